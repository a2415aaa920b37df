package dev.berth.storage;

import java.util.List;

/**
 * Pins added at run time ({@code berth prefetch --pin}, {@code berth import --pin}), kept with the
 * cache so they survive restarts. Pins from the config file are not stored here: the file stays
 * their only source. Blocking; thread-safe.
 */
public interface PinStore {

  /** Adds a pin; idempotent. */
  void pin(Pin pin);

  /** Removes a pin; whether it was there. */
  boolean unpin(Pin pin);

  /** Every stored pin, in a stable order. */
  List<Pin> pins();
}
