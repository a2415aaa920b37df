package dev.berth.proxy.image;

import java.util.regex.Pattern;

/**
 * The regular expressions of distribution/reference {@code regexp.go} (docs/protocol.md §1.1), in
 * Java syntax. {@code \w} is ASCII here because {@code UNICODE_CHARACTER_CLASS} is never set.
 */
final class ReferenceGrammar {
  private ReferenceGrammar() {}

  static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  static final String DOMAIN_NAME = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*";
  static final String IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
  static final String HOST = "(?:" + DOMAIN_NAME + "|" + IPV6 + ")";
  static final String DOMAIN = HOST + "(?::[0-9]+)?";
  static final String SEPARATOR = "(?:[._]|__|[-]+)";
  static final String PATH_COMPONENT = "[a-z0-9]+(?:" + SEPARATOR + "[a-z0-9]+)*";
  static final String PATH = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
  static final String NAME = "(?:" + DOMAIN + "/)?" + PATH;
  static final String TAG = "[\\w][\\w.-]{0,127}";
  static final String DIGEST =
      "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";

  static final Pattern REFERENCE =
      Pattern.compile("(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
  static final Pattern NAME_SPLIT = Pattern.compile("(?:(" + DOMAIN + ")/)?(" + PATH + ")");
  static final Pattern DOMAIN_ONLY = Pattern.compile(DOMAIN);
  static final Pattern PATH_ONLY = Pattern.compile(PATH);
  static final Pattern TAG_ONLY = Pattern.compile(TAG);
  static final Pattern IDENTIFIER = Pattern.compile("[a-f0-9]{64}");

  /** The repository path limit; since distribution/reference v0.6.0 the domain is not counted. */
  static final int MAX_PATH_LENGTH = 255;
}
