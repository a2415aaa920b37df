package dev.berth.proxy.layout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Random access to the regular files of a tar archive on disk, for {@code berth import}.
 *
 * <p>{@link #open} indexes the archive in one pass over its headers: each entry's data is skipped
 * by moving the read position, never read, so indexing a 20 GiB archive reads a few KiB. Then
 * {@link #open(String)} streams one entry's bytes with positional reads of the shared {@link
 * FileChannel}.
 *
 * <p>Understood: ustar and GNU headers; regular files ({@code '0'}, {@code '\0'}, {@code '7'});
 * directories (ignored); pax extended headers ({@code 'x'}: {@code path}, {@code size} and {@code
 * linkpath} apply to the next entry; {@code 'g'} is ignored); GNU long names and link names ({@code
 * 'L'}, {@code 'K'}); GNU base-256 sizes. Entry names are normalized: a leading {@code ./},
 * repeated and trailing slashes and {@code .} components vanish. When a path occurs twice, the
 * later entry wins, as when extracting.
 *
 * <p>Refused with a {@link LayoutException} naming the archive and the entry: absolute names,
 * {@code ..} components, symbolic and hard links that sit at or point to a layout path ({@code
 * blobs/...}, {@code index.json}, {@code oci-layout}), GNU sparse files, unknown entry types, bad
 * header checksums (naming gzip or zstd when the file is compressed), and entries that run past the
 * end of the file. Other links and device or FIFO entries are ignored: berth never extracts, so
 * they can do no harm, and {@code docker save} archives carry such links beside the layout.
 *
 * <p>{@link #open(String)} may be called from several threads, and several streams may be open at
 * once. Closing the reader closes the channel under every open stream.
 */
public final class TarReader implements AutoCloseable {
  /** pax and GNU long-name bodies are read whole; real ones are tiny, a hostile one is capped. */
  private static final int MAX_EXTENSION_BYTES = 1 << 20;

  /**
   * One regular file of the archive.
   *
   * @param path the normalized path, e.g. {@code blobs/sha256/<hex>}
   * @param offset where its data starts in the archive file
   * @param size its length in bytes
   */
  public record Entry(String path, long offset, long size) {}

  private final Path file;
  private final FileChannel channel;
  private final Map<String, Entry> entries;

  private TarReader(Path file, FileChannel channel, Map<String, Entry> entries) {
    this.file = file;
    this.channel = channel;
    this.entries = entries;
  }

  /**
   * Opens and indexes {@code file}.
   *
   * @throws LayoutException when the archive is malformed, truncated or unsafe, naming the entry
   */
  public static TarReader open(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return new TarReader(file, channel, Collections.unmodifiableMap(index(file, channel)));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  /** Every regular file, by normalized path, in archive order. */
  public Map<String, Entry> entries() {
    return entries;
  }

  /** The entry at {@code path} ({@code ./} and such normalized away), if the archive has one. */
  public Optional<Entry> entry(String path) {
    try {
      return Optional.ofNullable(entries.get(String.join("/", TarFormat.components(path))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * A stream over the bytes of the entry at {@code path}. Closing it leaves the reader open.
   *
   * @throws LayoutException when there is no such regular file
   */
  public InputStream open(String path) throws IOException {
    Entry entry =
        entry(path)
            .orElseThrow(() -> new LayoutException(file + ": tar archive has no file " + path));
    return open(entry);
  }

  /** A stream over the bytes of {@code entry}, which must come from this reader. */
  public InputStream open(Entry entry) {
    if (!channel.isOpen()) {
      throw new IllegalStateException(file + ": tar reader is closed");
    }
    return new ChannelSliceInputStream(
        channel, entry.offset(), entry.size(), file + " entry " + entry.path());
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  // The header walk. Extension headers ('x', 'L', 'K') accumulate in `pending` and apply to the
  // next real entry, after which they are cleared.
  private static Map<String, Entry> index(Path file, FileChannel channel) throws IOException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    long fileSize = channel.size();
    byte[] header = new byte[TarFormat.BLOCK];
    Map<String, String> pax = new HashMap<>();
    @Nullable String longName = null;
    @Nullable String longLink = null;
    long position = 0;
    while (position < fileSize) {
      // A file ending cleanly between entries, without the zero blocks, is accepted (as Go's
      // archive/tar does); a cut inside a header or data is not.
      if (readFully(channel, position, header) < TarFormat.BLOCK) {
        if (position == 0) {
          throw new LayoutException(notTar(file, channel, "shorter than one tar header"));
        }
        throw new LayoutException(
            file
                + ": tar archive is truncated: the header at offset "
                + position
                + " is cut off at "
                + fileSize);
      }
      long headerOffset = position;
      if (TarFormat.isZeroBlock(header)) {
        break; // end of archive (one zero block suffices, as for GNU tar)
      }
      if (!TarFormat.checksumMatches(header)) {
        throw new LayoutException(badChecksum(file, channel, position));
      }
      char type = (char) (header[TarFormat.TYPE_OFFSET] & 0xff);
      String rawName = headerName(header);
      String described = longName != null ? longName : pax.getOrDefault("path", rawName);
      long size;
      try {
        size = TarFormat.parseNumeric(header, TarFormat.SIZE_OFFSET, TarFormat.SIZE_LENGTH);
      } catch (IllegalArgumentException e) {
        throw entryError(file, described, headerOffset, "has a bad size field: " + e.getMessage());
      }
      boolean extension =
          type == TarFormat.PAX_HEADER
              || type == TarFormat.PAX_GLOBAL
              || type == TarFormat.GNU_LONG_NAME
              || type == TarFormat.GNU_LONG_LINK;
      if (!extension && pax.containsKey("size")) {
        try {
          size = Long.parseLong(pax.get("size"));
        } catch (NumberFormatException e) {
          size = -1;
        }
        if (size < 0) {
          throw entryError(
              file, described, headerOffset, "has a bad pax size '" + pax.get("size") + "'");
        }
      }
      long dataOffset = position + TarFormat.BLOCK;
      if (size > fileSize - dataOffset) {
        throw new LayoutException(
            file
                + ": tar archive is truncated: entry "
                + described
                + " needs "
                + size
                + " bytes from offset "
                + dataOffset
                + " but the file ends at "
                + fileSize);
      }
      position = dataOffset + size + TarFormat.padding(size);
      switch (type) {
        case TarFormat.PAX_HEADER:
          try {
            TarFormat.parsePaxRecords(readData(file, channel, dataOffset, size), pax);
          } catch (IllegalArgumentException e) {
            throw entryError(file, rawName, headerOffset, "is a bad pax header: " + e.getMessage());
          }
          continue;
        case TarFormat.PAX_GLOBAL:
          continue;
        case TarFormat.GNU_LONG_NAME:
          longName = dataString(file, channel, dataOffset, size);
          continue;
        case TarFormat.GNU_LONG_LINK:
          longLink = dataString(file, channel, dataOffset, size);
          continue;
        default:
          break;
      }
      String link = longLink != null ? longLink : pax.getOrDefault("linkpath", linkName(header));
      boolean sparse = pax.keySet().stream().anyMatch(key -> key.startsWith("GNU.sparse."));
      pax.clear();
      longName = null;
      longLink = null;

      List<String> components = components(file, described, headerOffset);
      String path = String.join("/", components);
      switch (type) {
        case TarFormat.REGULAR:
        case TarFormat.REGULAR_OLD:
        case TarFormat.CONTIGUOUS:
          if (sparse) {
            throw entryError(
                file, described, headerOffset, "is a GNU sparse file, which is not supported");
          }
          if (type == TarFormat.REGULAR_OLD && described.endsWith("/")) {
            break; // a pre-POSIX directory
          }
          if (path.isEmpty()) {
            throw entryError(file, described, headerOffset, "is a regular file without a name");
          }
          entries.put(path, new Entry(path, dataOffset, size));
          break;
        case TarFormat.DIRECTORY:
        case TarFormat.CHAR_DEVICE:
        case TarFormat.BLOCK_DEVICE:
        case TarFormat.FIFO:
          break;
        case TarFormat.SYMLINK:
        case TarFormat.HARD_LINK:
          checkLink(file, described, headerOffset, components, type, link);
          entries.remove(path);
          break;
        default:
          throw entryError(file, described, headerOffset, "has unsupported type '" + type + "'");
      }
    }
    return entries;
  }

  /**
   * Refuses a link that berth would have to follow ({@code blobs/...}, {@code index.json}, {@code
   * oci-layout} themselves) or that aims into the layout (a symlink target relative to the link's
   * directory, a hard-link target relative to the archive root).
   */
  private static void checkLink(
      Path file, String name, long offset, List<String> components, char type, String target) {
    String kind = type == TarFormat.SYMLINK ? "symbolic link" : "hard link";
    if (isLayoutPath(components)) {
      throw entryError(
          file, name, offset, "is a " + kind + " to " + target + "; layout files must be regular");
    }
    List<String> resolved = new ArrayList<>();
    if (type == TarFormat.SYMLINK && !target.startsWith("/")) {
      resolved.addAll(components.subList(0, Math.max(0, components.size() - 1)));
    }
    for (String part : target.split("/", -1)) {
      if (part.equals("..")) {
        if (!resolved.isEmpty()) {
          resolved.remove(resolved.size() - 1);
        }
      } else if (!part.isEmpty() && !part.equals(".")) {
        resolved.add(part);
      }
    }
    if (isLayoutPath(resolved)) {
      throw entryError(
          file, name, offset, "is a " + kind + " into the layout (" + target + "); not supported");
    }
  }

  private static boolean isLayoutPath(List<String> components) {
    if (components.isEmpty()) {
      return false;
    }
    String first = components.get(0);
    return first.equals("blobs")
        || (components.size() == 1
            && (first.equals(LayoutFormat.INDEX_JSON) || first.equals(LayoutFormat.OCI_LAYOUT)));
  }

  private static List<String> components(Path file, String name, long offset) {
    try {
      return TarFormat.components(name);
    } catch (IllegalArgumentException e) {
      throw entryError(file, name, offset, "has an unsafe name (" + e.getMessage() + ")");
    }
  }

  private static String headerName(byte[] header) {
    String name = TarFormat.getString(header, TarFormat.NAME_OFFSET, TarFormat.NAME_LENGTH);
    if (TarFormat.isPosixUstar(header)) {
      // Only POSIX ustar has a prefix here; GNU headers keep atime and ctime in this area.
      String prefix = TarFormat.getString(header, TarFormat.PREFIX_OFFSET, TarFormat.PREFIX_LENGTH);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static String linkName(byte[] header) {
    return TarFormat.getString(header, TarFormat.LINK_OFFSET, TarFormat.LINK_LENGTH);
  }

  private static String dataString(Path file, FileChannel channel, long offset, long size)
      throws IOException {
    byte[] data = readData(file, channel, offset, size);
    return TarFormat.getString(data, 0, data.length);
  }

  private static byte[] readData(Path file, FileChannel channel, long offset, long size)
      throws IOException {
    if (size > MAX_EXTENSION_BYTES) {
      throw entryError(
          file,
          "(extended header)",
          offset - TarFormat.BLOCK,
          "is " + size + " bytes, more than the " + MAX_EXTENSION_BYTES + " allowed");
    }
    byte[] data = new byte[(int) size];
    readFully(channel, offset, data); // the caller checked the file is long enough
    return data;
  }

  private static int readFully(FileChannel channel, long position, byte[] into) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(into);
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position + buffer.position());
      if (n < 0) {
        break;
      }
    }
    return buffer.position();
  }

  private static String badChecksum(Path file, FileChannel channel, long position)
      throws IOException {
    if (position == 0) {
      return notTar(file, channel, "bad header checksum");
    }
    return file + " has a corrupt tar header at offset " + position + " (bad checksum)";
  }

  /** Why the file is not a tar archive, naming the compression when it is a compressed one. */
  private static String notTar(Path file, FileChannel channel, String detail) throws IOException {
    byte[] magic = new byte[4];
    readFully(channel, 0, magic);
    if ((magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      detail = "it is gzip-compressed: decompress it first";
    } else if ((magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      detail = "it is zstd-compressed: decompress it first";
    }
    return file + " is not a tar archive (" + detail + ")";
  }

  private static LayoutException entryError(Path file, String name, long offset, String problem) {
    return new LayoutException(
        file + ": tar entry " + name + " (offset " + offset + ") " + problem);
  }
}
