package dev.berth.storage.memory;

import dev.berth.storage.Pin;
import dev.berth.storage.PinStore;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;

/** {@link PinStore} in the heap. */
public final class MemoryPinStore implements PinStore {
  private final ConcurrentSkipListSet<Key> pins = new ConcurrentSkipListSet<>();

  private static Key key(Pin pin) {
    return new Key(pin.upstream(), pin.repository(), pin.reference());
  }

  @Override
  public void pin(Pin pin) {
    pins.add(key(pin));
  }

  @Override
  public boolean unpin(Pin pin) {
    return pins.remove(key(pin));
  }

  @Override
  public List<Pin> pins() {
    return pins.stream().map(k -> new Pin(k.first(), k.second(), k.third())).toList();
  }
}
