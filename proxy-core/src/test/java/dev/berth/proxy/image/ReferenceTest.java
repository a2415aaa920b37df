package dev.berth.proxy.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
  @ParameterizedTest
  @ValueSource(strings = {"latest", "1.25", "_ok", "A", "v1.0-rc.1_b"})
  void parse_tags(String tag) {
    assertEquals(tag, assertInstanceOf(Reference.Tag.class, Reference.parse(tag)).value());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-bad", ".bad", "has space", "x/y", "é"})
  void parse_badTags(String tag) {
    var e = assertThrows(InvalidReferenceException.class, () -> Reference.parse(tag));
    assertEquals(InvalidReferenceException.Kind.TAG_INVALID, e.kind());
  }

  @Test
  void parse_tagLength_128Max() {
    assertInstanceOf(Reference.Tag.class, Reference.parse("x".repeat(128)));
    assertThrows(InvalidReferenceException.class, () -> Reference.parse("x".repeat(129)));
  }

  @Test
  void parse_digest() {
    String d = "sha256:" + "a".repeat(64);
    var ref = assertInstanceOf(Reference.DigestReference.class, Reference.parse(d));
    assertEquals(d, ref.digest().toString());
    var e =
        assertThrows(
            InvalidReferenceException.class, () -> Reference.parse("sha256:" + "A".repeat(64)));
    assertEquals(InvalidReferenceException.Kind.DIGEST_INVALID, e.kind());
  }

  @Test
  void repositoryName_rules() {
    assertEquals(2, RepositoryName.parse("library/nginx").componentCount());
    assertEquals(
        InvalidReferenceException.Kind.NAME_CONTAINS_UPPERCASE,
        assertThrows(InvalidReferenceException.class, () -> RepositoryName.parse("Library/nginx"))
            .kind());
    assertEquals(
        InvalidReferenceException.Kind.NAME_TOO_LONG,
        assertThrows(InvalidReferenceException.class, () -> RepositoryName.parse("a".repeat(256)))
            .kind());
    assertEquals(
        InvalidReferenceException.Kind.INVALID_FORMAT,
        assertThrows(InvalidReferenceException.class, () -> RepositoryName.parse("a/../b")).kind());
    assertEquals(
        InvalidReferenceException.Kind.NAME_EMPTY,
        assertThrows(InvalidReferenceException.class, () -> RepositoryName.parse("")).kind());
  }
}
