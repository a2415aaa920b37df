package dev.berth.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class HashingCliffTest {
  private static final String INTEL = "flags : fpu sse2 avx2 avx512f avx512bw sha_ni aes";

  @Test
  void warns_onlyForX86WithAvx512AndShaNi_aboveAvx2() {
    assertTrue(HashingCliff.warning("amd64", "3", INTEL).get().contains("-XX:UseAVX=2"));
    assertEquals(Optional.empty(), HashingCliff.warning("amd64", "2", INTEL), "already AVX2");
    assertEquals(Optional.empty(), HashingCliff.warning("aarch64", "3", INTEL), "not x86");
    assertEquals(
        Optional.empty(),
        HashingCliff.warning("amd64", "3", "flags : fpu avx2 sha_ni"),
        "no AVX-512");
    assertEquals(
        Optional.empty(), HashingCliff.warning("amd64", "3", "flags : avx512f"), "no SHA-NI");
    assertEquals(Optional.empty(), HashingCliff.warning("amd64", "x", INTEL), "unreadable");
  }
}
