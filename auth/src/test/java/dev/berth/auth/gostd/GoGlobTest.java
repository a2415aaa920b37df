package dev.berth.auth.gostd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Go's own {@code path/filepath} match_test.go table, plus the cases the keyring relies on. */
class GoGlobTest {
  enum Outcome {
    MATCH,
    NO_MATCH,
    BAD_PATTERN
  }

  static Stream<Arguments> goMatchTests() {
    return Stream.of(
        arguments("abc", "abc", Outcome.MATCH),
        arguments("*", "abc", Outcome.MATCH),
        arguments("*c", "abc", Outcome.MATCH),
        arguments("a*", "a", Outcome.MATCH),
        arguments("a*", "abc", Outcome.MATCH),
        arguments("a*", "ab/c", Outcome.NO_MATCH),
        arguments("a*/b", "abc/b", Outcome.MATCH),
        arguments("a*/b", "a/c/b", Outcome.NO_MATCH),
        arguments("a*b*c*d*e*/f", "axbxcxdxe/f", Outcome.MATCH),
        arguments("a*b*c*d*e*/f", "axbxcxdxexxx/f", Outcome.MATCH),
        arguments("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Outcome.NO_MATCH),
        arguments("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Outcome.NO_MATCH),
        arguments("a*b?c*x", "abxbbxdbxebxczzx", Outcome.MATCH),
        arguments("a*b?c*x", "abxbbxdbxebxczzy", Outcome.NO_MATCH),
        arguments("ab[c]", "abc", Outcome.MATCH),
        arguments("ab[b-d]", "abc", Outcome.MATCH),
        arguments("ab[e-g]", "abc", Outcome.NO_MATCH),
        arguments("ab[^c]", "abc", Outcome.NO_MATCH),
        arguments("ab[^b-d]", "abc", Outcome.NO_MATCH),
        arguments("ab[^e-g]", "abc", Outcome.MATCH),
        arguments("a\\*b", "a*b", Outcome.MATCH),
        arguments("a\\*b", "ab", Outcome.NO_MATCH),
        arguments("a?b", "a☺b", Outcome.MATCH),
        arguments("a[^a]b", "a☺b", Outcome.MATCH),
        arguments("a???b", "a☺b", Outcome.NO_MATCH),
        arguments("a[^a][^a][^a]b", "a☺b", Outcome.NO_MATCH),
        arguments("[a-ζ]*", "α", Outcome.MATCH),
        arguments("*[a-ζ]", "A", Outcome.NO_MATCH),
        arguments("a?b", "a/b", Outcome.NO_MATCH),
        arguments("a*b", "a/b", Outcome.NO_MATCH),
        arguments("[\\]a]", "]", Outcome.MATCH),
        arguments("[\\-]", "-", Outcome.MATCH),
        arguments("[x\\-]", "x", Outcome.MATCH),
        arguments("[x\\-]", "-", Outcome.MATCH),
        arguments("[x\\-]", "z", Outcome.NO_MATCH),
        arguments("[\\-x]", "x", Outcome.MATCH),
        arguments("[\\-x]", "-", Outcome.MATCH),
        arguments("[\\-x]", "a", Outcome.NO_MATCH),
        arguments("[]a]", "]", Outcome.BAD_PATTERN),
        arguments("[-]", "-", Outcome.BAD_PATTERN),
        arguments("[x-]", "x", Outcome.BAD_PATTERN),
        arguments("[x-]", "-", Outcome.BAD_PATTERN),
        arguments("[x-]", "z", Outcome.BAD_PATTERN),
        arguments("[-x]", "x", Outcome.BAD_PATTERN),
        arguments("[-x]", "-", Outcome.BAD_PATTERN),
        arguments("[-x]", "a", Outcome.BAD_PATTERN),
        arguments("\\", "a", Outcome.BAD_PATTERN),
        arguments("[a-b-c]", "a", Outcome.BAD_PATTERN),
        arguments("[", "a", Outcome.BAD_PATTERN),
        arguments("[^", "a", Outcome.BAD_PATTERN),
        arguments("[^bc", "a", Outcome.BAD_PATTERN),
        arguments("a[", "a", Outcome.BAD_PATTERN),
        arguments("a[", "ab", Outcome.BAD_PATTERN),
        arguments("a[", "x", Outcome.BAD_PATTERN),
        arguments("a/b[", "x", Outcome.BAD_PATTERN),
        arguments("*x", "xxx", Outcome.MATCH));
  }

  static Stream<Arguments> keyringCases() {
    return Stream.of(
        // '*' may match the empty string.
        arguments("*kubernetes", "kubernetes", Outcome.MATCH),
        arguments("*-good", "prefix-good", Outcome.MATCH),
        arguments("k*", "quay", Outcome.NO_MATCH),
        // Case-sensitive, byte for byte.
        arguments("Registry", "registry", Outcome.NO_MATCH),
        arguments("reg[0-9]", "reg7", Outcome.MATCH),
        arguments("reg[0-9]", "regx", Outcome.NO_MATCH),
        // Only '^' negates; '!' is an ordinary class member in Go.
        arguments("reg[!0-9]", "reg!", Outcome.MATCH),
        arguments("reg[!0-9]", "reg5", Outcome.MATCH),
        arguments("reg[!0-9]", "regx", Outcome.NO_MATCH),
        arguments("", "", Outcome.MATCH),
        arguments("", "a", Outcome.NO_MATCH),
        arguments("*", "", Outcome.MATCH),
        // A mismatch still validates the rest of the pattern, as Go does.
        arguments("x*[", "abc", Outcome.BAD_PATTERN),
        arguments("b*[", "abc", Outcome.BAD_PATTERN));
  }

  @ParameterizedTest(name = "match({0}, {1}) = {2}")
  @MethodSource({"goMatchTests", "keyringCases"})
  void match_followsGoFilepathMatch(String pattern, String name, Outcome expected) {
    assertEquals(expected, outcome(pattern, name));
  }

  private static Outcome outcome(String pattern, String name) {
    try {
      return GoGlob.match(
              pattern.getBytes(StandardCharsets.UTF_8), name.getBytes(StandardCharsets.UTF_8))
          ? Outcome.MATCH
          : Outcome.NO_MATCH;
    } catch (GoGlob.BadPatternException e) {
      return Outcome.BAD_PATTERN;
    }
  }
}
