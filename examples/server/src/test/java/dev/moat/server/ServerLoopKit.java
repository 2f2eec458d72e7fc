package dev.moat.server;

import dev.moat.MoatRequest;
import dev.moat.sampling.Sampler;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import dev.moat.testkit.HostAdapterCompatibilityKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The model server's own generation loop ({@link Generation}, and with batching {@link DecodeLoop})
 * under the host-adapter compatibility kit: a real server on the bundled model, whose generations
 * here go to a client that collects the tokens instead of an HTTP reply. Everything else is the
 * server's: its model, worker pool, timer (the tarpit's holds) and decode loop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerLoopKit extends HostAdapterCompatibilityKit {
  private static final AtomicInteger IDS = new AtomicInteger();
  private @Nullable Path dir;
  private @Nullable ServerFixture fixture;

  /** Sequences per model call (1: each generation alone, on the worker pool). */
  abstract int maxBatch();

  @BeforeAll
  void startServer() throws Exception {
    dir = Files.createTempDirectory("moat-kit");
    fixture = ServerFixture.start(dir, maxBatch());
  }

  @AfterAll
  void stopServer() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  ModelServer server() {
    return java.util.Objects.requireNonNull(fixture, "server").server;
  }

  @Override
  protected int vocabSize() {
    return server().model().vocabSize();
  }

  @Override
  protected int[] prompt() {
    return server().model().promptIds("The little dog", false);
  }

  @Override
  protected int[] generate(MoatRequest request, IntConsumer streamed) throws Exception {
    return await(
        start(
            request,
            null,
            request.context().promptTokens(),
            request.context().sampling().maxTokens(),
            streamed));
  }

  @Override
  protected int[] generatePlain(int[] prompt, SamplingParams params) throws Exception {
    return await(
        start(null, new Sampler(params, vocabSize()), prompt, params.maxTokens(), t -> {}));
  }

  /**
   * A generation started in the server's loop; its future completes when its client hears the end.
   */
  CompletableFuture<int[]> start(
      @Nullable MoatRequest request,
      @Nullable Sampler plain,
      int[] prompt,
      int maxTokens,
      IntConsumer streamed) {
    CompletableFuture<int[]> done = new CompletableFuture<>();
    String tier = request == null ? "internal" : request.context().tier();
    Generation g =
        new Generation(
            server(),
            "kit-" + IDS.incrementAndGet(),
            "kit",
            tier,
            true,
            prompt,
            request,
            plain,
            maxTokens,
            false,
            Map.of(),
            gen -> new Collecting(gen, streamed, done));
    server().live().put(g.id, g);
    g.start();
    return done;
  }

  /** The generation's tokens, or what failed it (unwrapped, as a host loop would throw it). */
  static int[] await(CompletableFuture<int[]> done) throws Exception {
    try {
      return done.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }

  /** A client that streams each token once its hold is over and collects them. */
  private static final class Collecting implements Generation.Client {
    private final Generation generation;
    private final IntConsumer streamed;
    private final CompletableFuture<int[]> done;
    private final List<Integer> all = new ArrayList<>();
    private int sent;

    Collecting(Generation generation, IntConsumer streamed, CompletableFuture<int[]> done) {
      this.generation = generation;
      this.streamed = streamed;
      this.done = done;
    }

    @Override
    public @Nullable FinishReason decided(int token, float[] logits, int offset) {
      all.add(token);
      return null;
    }

    @Override
    public void emit() {
      flush();
      generation.nextStep();
    }

    @Override
    public void finish(FinishReason reason, int tokens) {
      flush();
      done.complete(all.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public void fail(Exception e) {
      done.completeExceptionally(e);
    }

    @Override
    public void busy(int maxWaiting) {
      done.completeExceptionally(new IllegalStateException("busy: " + maxWaiting + " waiting"));
    }

    private void flush() {
      for (; sent < all.size(); sent++) {
        streamed.accept(all.get(sent));
      }
    }
  }
}
