package dev.berth.proxy.prefetch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain list of image references for {@code berth prefetch -f}: one reference per line, blank
 * lines skipped, and {@code #} starting a comment at the beginning of a line or after whitespace (a
 * {@code #} inside a word is left for the reference check to reject). Surrounding whitespace is
 * trimmed; a line with two words is an error, since it is more likely two references on one line or
 * a stray note than anything to guess at.
 *
 * <p>References are returned as written, in file order and with duplicates kept: the caller
 * validates and normalizes them, and only then can it tell that {@code nginx} and {@code
 * docker.io/library/nginx} are the same image.
 */
public final class ImageListFile {
  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private ImageListFile() {}

  /**
   * Reads the references in {@code file} (UTF-8); errors name the file as given.
   *
   * @return the references in file order; unmodifiable
   * @throws PrefetchInputException if the file cannot be read, or naming the file and line of a
   *     line that holds more than one word
   */
  public static List<String> read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return read(file.toString(), in);
    } catch (IOException e) {
      throw PrefetchInputException.cannotRead(file.toString(), e);
    }
  }

  /**
   * Reads references from {@code in} (UTF-8), e.g. standard input for {@code -f -}; the stream is
   * read to its end and not closed.
   *
   * @param sourceName names the input in errors
   * @return the references in input order; unmodifiable
   * @throws PrefetchInputException if the input cannot be read or is not UTF-8, or naming {@code
   *     sourceName} and the line of a line that holds more than one word
   */
  public static List<String> read(String sourceName, InputStream in) {
    // newDecoder() reports malformed input, where new InputStreamReader(in, UTF_8) would replace
    // it.
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()));
    List<String> references = new ArrayList<>();
    try {
      int number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        if (number == 1 && !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
          line = line.substring(1);
        }
        String reference = withoutComment(line).strip();
        if (reference.isEmpty()) {
          continue;
        }
        if (reference.chars().anyMatch(Character::isWhitespace)) {
          throw new PrefetchInputException(
              sourceName
                  + " line "
                  + number
                  + ": expected one image reference, found '"
                  + reference
                  + "'");
        }
        references.add(reference);
      }
    } catch (IOException e) {
      throw PrefetchInputException.cannotRead(sourceName, e);
    }
    return List.copyOf(references);
  }

  private static String withoutComment(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }
}
