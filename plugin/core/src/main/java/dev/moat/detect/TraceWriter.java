package dev.moat.detect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

/**
 * Writes records in the trace format that {@link TraceReader} reads (one JSON object per line; gzip
 * if the file name ends in {@code .gz}). Optional fields that are absent are left out.
 *
 * <p>Not thread-safe: one writer per stream.
 */
public final class TraceWriter implements Closeable {
  private static final JsonFactory JSON = new JsonFactory();

  private final OutputStream out;
  private final JsonGenerator g;

  private TraceWriter(OutputStream out) throws IOException {
    this.out = out;
    this.g = JSON.createGenerator(out);
    g.setRootValueSeparator(null);
  }

  public static TraceWriter open(Path file) throws IOException {
    OutputStream s = Files.newOutputStream(file);
    if (file.toString().endsWith(".gz")) {
      s = new GZIPOutputStream(s, 1 << 16);
    }
    return new TraceWriter(new java.io.BufferedOutputStream(s, 1 << 16));
  }

  public static TraceWriter of(OutputStream out) throws IOException {
    return new TraceWriter(out);
  }

  public void write(TraceRecord r) {
    try {
      g.writeStartObject();
      g.writeStringField("ts", Instant.ofEpochMilli(r.ts()).toString());
      g.writeStringField("account", r.account());
      if (r.accountCreated() >= 0) {
        g.writeStringField("account_created", Instant.ofEpochMilli(r.accountCreated()).toString());
      }
      g.writeStringField("tier", r.tier());
      if (r.client() != null) {
        g.writeStringField("client", r.client());
      }
      if (r.conversation() != null) {
        g.writeStringField("conversation", r.conversation());
      }
      if (r.turn() >= 0) {
        g.writeNumberField("turn", r.turn());
      }
      if (r.system() != null) {
        g.writeStringField("system", r.system());
      }
      g.writeStringField("prompt", r.prompt());
      g.writeNumberField("max_tokens", r.maxTokens());
      if (r.temperature() >= 0) {
        g.writeNumberField("temperature", r.temperature());
      }
      g.writeNumberField("top_logprobs", r.topLogprobs());
      g.writeNumberField("output_tokens", r.outputTokens());
      g.writeEndObject();
      g.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    g.close();
    out.close();
  }
}
