package dev.berth.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * What an upstream last said about one subject reading one repository: yes or no, and when. berth
 * keeps these so that an upstream outage does not turn every cached private image into a refusal
 * (see {@link VerdictStore}).
 *
 * @param allowed the upstream served the repository to the subject
 * @param checkedAt when the upstream said so
 */
public record AccessVerdict(boolean allowed, Instant checkedAt) {
  public AccessVerdict {
    Objects.requireNonNull(checkedAt, "checkedAt");
  }
}
