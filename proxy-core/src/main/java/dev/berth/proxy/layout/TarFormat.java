package dev.berth.proxy.layout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The POSIX ustar header (IEEE 1003.1-2001 {@code pax} "ustar Interchange Format") and the two
 * extensions berth meets in practice: GNU base-256 numbers (sizes of 8 GiB and more, which eleven
 * octal digits cannot hold) and pax extended header records. Shared by {@link TarWriter} and {@link
 * TarReader} so that the field offsets are written down once.
 */
final class TarFormat {
  static final int BLOCK = 512;

  static final int NAME_OFFSET = 0;
  static final int NAME_LENGTH = 100;
  static final int MODE_OFFSET = 100;
  static final int UID_OFFSET = 108;
  static final int GID_OFFSET = 116;
  static final int SIZE_OFFSET = 124;
  static final int SIZE_LENGTH = 12;
  static final int MTIME_OFFSET = 136;
  static final int CHECKSUM_OFFSET = 148;
  static final int CHECKSUM_LENGTH = 8;
  static final int TYPE_OFFSET = 156;
  static final int LINK_OFFSET = 157;
  static final int LINK_LENGTH = 100;
  static final int MAGIC_OFFSET = 257;
  static final int DEV_MAJOR_OFFSET = 329;
  static final int DEV_MINOR_OFFSET = 337;
  static final int PREFIX_OFFSET = 345;
  static final int PREFIX_LENGTH = 155;

  static final char REGULAR = '0';
  static final char REGULAR_OLD = '\0';
  static final char HARD_LINK = '1';
  static final char SYMLINK = '2';
  static final char CHAR_DEVICE = '3';
  static final char BLOCK_DEVICE = '4';
  static final char DIRECTORY = '5';
  static final char FIFO = '6';
  static final char CONTIGUOUS = '7';
  static final char PAX_HEADER = 'x';
  static final char PAX_GLOBAL = 'g';
  static final char GNU_LONG_NAME = 'L';
  static final char GNU_LONG_LINK = 'K';

  /** POSIX magic and version: {@code "ustar\0"} then {@code "00"}. */
  private static final byte[] USTAR_MAGIC = {'u', 's', 't', 'a', 'r', 0, '0', '0'};

  /** The largest size eleven octal digits can hold: 8 GiB - 1. */
  static final long MAX_OCTAL_SIZE = 077777777777L;

  private TarFormat() {}

  /**
   * A complete header block with mtime, uid and gid 0 (reproducible output) and the POSIX magic.
   * {@code name} must already fit ({@link #splitName}); {@code prefix} may be empty.
   */
  static byte[] header(String prefix, String name, char type, int mode, long size, String link) {
    byte[] header = new byte[BLOCK];
    putString(header, NAME_OFFSET, NAME_LENGTH, name);
    putOctal(header, MODE_OFFSET, 8, mode);
    putOctal(header, UID_OFFSET, 8, 0);
    putOctal(header, GID_OFFSET, 8, 0);
    putSize(header, size);
    putOctal(header, MTIME_OFFSET, 12, 0);
    header[TYPE_OFFSET] = (byte) type;
    putString(header, LINK_OFFSET, LINK_LENGTH, link);
    System.arraycopy(USTAR_MAGIC, 0, header, MAGIC_OFFSET, USTAR_MAGIC.length);
    putOctal(header, DEV_MAJOR_OFFSET, 8, 0);
    putOctal(header, DEV_MINOR_OFFSET, 8, 0);
    putString(header, PREFIX_OFFSET, PREFIX_LENGTH, prefix);
    // The checksum is six octal digits, NUL, space (what GNU tar and Go write).
    String checksum = String.format("%06o", checksum(header));
    putString(header, CHECKSUM_OFFSET, 6, checksum);
    header[CHECKSUM_OFFSET + 6] = 0;
    header[CHECKSUM_OFFSET + 7] = ' ';
    return header;
  }

  /**
   * Splits a name longer than 100 bytes into ustar {@code prefix} and {@code name} at a {@code /}
   * (Go {@code archive/tar} {@code splitUSTARPath}), or returns null when no split fits.
   *
   * @return {@code [prefix, name]}, or null
   */
  static String @Nullable [] splitName(String path) {
    byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
    int length = bytes.length;
    if (length <= NAME_LENGTH) {
      return new String[] {"", path};
    }
    // The prefix holds at most 155 bytes, so the separating slash is at index <= 155; a trailing
    // slash (a directory) cannot separate, as the name part would be empty.
    int limit = Math.min(length - 2, PREFIX_LENGTH);
    for (int i = limit; i > 0; i--) {
      if (bytes[i] == '/') {
        int nameLength = length - i - 1;
        if (nameLength > NAME_LENGTH || nameLength == 0) {
          return null;
        }
        return new String[] {
          new String(bytes, 0, i, StandardCharsets.UTF_8),
          new String(bytes, i + 1, nameLength, StandardCharsets.UTF_8)
        };
      }
    }
    return null;
  }

  /** The body of a pax extended header: {@code "<len> <key>=<value>\n"} records. */
  static byte[] paxRecords(Map<String, String> records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> record : records.entrySet()) {
      byte[] body =
          (" " + record.getKey() + "=" + record.getValue() + "\n").getBytes(StandardCharsets.UTF_8);
      // The length counts its own digits; one more digit may be needed once they are added.
      int length = body.length + Integer.toString(body.length).length();
      if (Integer.toString(length).length() != Integer.toString(body.length).length()) {
        length++;
      }
      out.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  /**
   * Parses pax extended header records into {@code into}; a record with an empty value deletes the
   * key, as POSIX specifies.
   *
   * @throws IllegalArgumentException on a malformed record
   */
  static void parsePaxRecords(byte[] data, Map<String, String> into) {
    int position = 0;
    while (position < data.length) {
      if (data[position] == 0) {
        return; // some writers pad the body with NULs
      }
      int space = position;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      int length;
      try {
        length =
            Integer.parseInt(
                new String(data, position, space - position, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("malformed pax record length at byte " + position);
      }
      int end = position + length;
      if (length <= 0 || space >= end || end > data.length || data[end - 1] != '\n') {
        throw new IllegalArgumentException("malformed pax record at byte " + position);
      }
      String record = new String(data, space + 1, end - space - 2, StandardCharsets.UTF_8);
      int equals = record.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException("pax record without key=value at byte " + position);
      }
      String key = record.substring(0, equals);
      String value = record.substring(equals + 1);
      if (value.isEmpty()) {
        into.remove(key);
      } else {
        into.put(key, value);
      }
      position = end;
    }
  }

  /** Writes the size field: octal below 8 GiB, GNU base-256 from there on. */
  static void putSize(byte[] header, long size) {
    if (size < 0) {
      throw new IllegalArgumentException("negative tar entry size " + size);
    }
    if (size <= MAX_OCTAL_SIZE) {
      putOctal(header, SIZE_OFFSET, SIZE_LENGTH, size);
    } else {
      putBase256(header, SIZE_OFFSET, SIZE_LENGTH, size);
    }
  }

  /** {@code length - 1} zero-padded octal digits followed by NUL. */
  static void putOctal(byte[] header, int offset, int length, long value) {
    String digits = Long.toOctalString(value);
    if (digits.length() > length - 1) {
      throw new IllegalArgumentException(value + " does not fit " + (length - 1) + " octal digits");
    }
    String padded = "0".repeat(length - 1 - digits.length()) + digits;
    putString(header, offset, length - 1, padded);
    header[offset + length - 1] = 0;
  }

  /**
   * GNU base-256: the first byte's high bit marks the encoding, the rest of the field is the value
   * in big-endian two's complement (only non-negative values are written).
   */
  static void putBase256(byte[] header, int offset, int length, long value) {
    if (value < 0) {
      throw new IllegalArgumentException("negative value " + value);
    }
    long remaining = value;
    for (int i = offset + length - 1; i > offset; i--) {
      header[i] = (byte) remaining;
      remaining >>>= 8;
    }
    header[offset] = (byte) 0x80;
  }

  /**
   * Reads a numeric field in either encoding. Octal may be padded with spaces or NULs on either
   * side (writers differ); an empty field is 0.
   *
   * @throws IllegalArgumentException when the field is neither valid octal nor a non-negative
   *     base-256 number that fits a {@code long}
   */
  static long parseNumeric(byte[] header, int offset, int length) {
    if ((header[offset] & 0x80) != 0) {
      if ((header[offset] & 0x40) != 0) {
        throw new IllegalArgumentException("negative base-256 number");
      }
      long value = header[offset] & 0x3f;
      for (int i = offset + 1; i < offset + length; i++) {
        if ((value >>> 55) != 0) {
          throw new IllegalArgumentException("base-256 number too large");
        }
        value = (value << 8) | (header[i] & 0xff);
      }
      return value;
    }
    int start = offset;
    int end = offset + length;
    while (start < end && (header[start] == ' ' || header[start] == 0)) {
      start++;
    }
    while (end > start && (header[end - 1] == ' ' || header[end - 1] == 0)) {
      end--;
    }
    long value = 0;
    for (int i = start; i < end; i++) {
      int digit = header[i] - '0';
      if (digit < 0 || digit > 7) {
        throw new IllegalArgumentException(
            "not an octal number: '"
                + new String(header, offset, length, StandardCharsets.ISO_8859_1).trim()
                + "'");
      }
      if ((value >>> 60) != 0) {
        throw new IllegalArgumentException("octal number too large");
      }
      value = (value << 3) | digit;
    }
    return value;
  }

  /** The unsigned header checksum, with the checksum field itself counted as eight spaces. */
  static int checksum(byte[] header) {
    int sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      boolean inField = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH;
      sum += inField ? ' ' : (header[i] & 0xff);
    }
    return sum;
  }

  /** Whether the stored checksum matches; old writers summed signed bytes, so both are accepted. */
  static boolean checksumMatches(byte[] header) {
    long stored;
    try {
      stored = parseNumeric(header, CHECKSUM_OFFSET, CHECKSUM_LENGTH);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      boolean inField = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH;
      signed += inField ? ' ' : header[i];
    }
    return stored == checksum(header) || stored == signed;
  }

  static boolean isZeroBlock(byte[] header) {
    for (byte b : header) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether the header carries the POSIX magic, which is when the prefix field means a prefix. */
  static boolean isPosixUstar(byte[] header) {
    return Arrays.equals(header, MAGIC_OFFSET, MAGIC_OFFSET + 6, USTAR_MAGIC, 0, 6); // "ustar\0"
  }

  /** A NUL-terminated (or field-filling) UTF-8 string. */
  static String getString(byte[] bytes, int offset, int length) {
    int end = offset;
    while (end < offset + length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
  }

  /** Bytes of padding after {@code size} bytes of data, up to the next block boundary. */
  static long padding(long size) {
    long rest = size % BLOCK;
    return rest == 0 ? 0 : BLOCK - rest;
  }

  /**
   * The path components of an archive path, with empty and {@code .} components dropped (so a
   * leading {@code ./} and a trailing {@code /} vanish).
   *
   * @throws IllegalArgumentException for an absolute path or a {@code ..} component
   */
  static List<String> components(String path) {
    if (path.startsWith("/")) {
      throw new IllegalArgumentException("absolute path");
    }
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/", -1)) {
      if (part.equals("..")) {
        throw new IllegalArgumentException("'..' component");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    return parts;
  }

  private static void putString(byte[] header, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > length) {
      throw new IllegalArgumentException("'" + value + "' is longer than " + length + " bytes");
    }
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
