package dev.moat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.jspecify.annotations.Nullable;

/**
 * What a policy file looked like when it was last read: modification time, size and file key, so
 * hot reload re-reads only a changed file.
 *
 * <p>Immutable and thread-safe.
 */
record FileStamp(long modifiedMillis, long size, Object key) {
  static @Nullable FileStamp of(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      Object key = a.fileKey() == null ? "" : a.fileKey();
      return new FileStamp(a.lastModifiedTime().toMillis(), a.size(), key);
    } catch (IOException e) {
      return null;
    }
  }
}
