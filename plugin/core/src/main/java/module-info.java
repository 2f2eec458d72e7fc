/**
 * Moat's core: the host-facing facade, the protection SPI, tier policy and the protections.
 *
 * <p>Only the API packages are exported, to every module; nothing is opened. {@code
 * dev.moat.internal} (the kernels, logits checks, tails, token buffers, message wording and version
 * the API is built from) is an implementation detail: on the module path no other module can reach
 * it. The Vector API kernels ({@code dev.moat.internal.vector}) are loaded reflectively when the
 * JVM runs with {@code --add-modules jdk.incubator.vector}, and the module reads that module then:
 * it does not require it.
 */
@SuppressWarnings("requires-automatic")
module dev.moat {
  // The API's @Nullable and @NullMarked: needed to compile against it, not to run it.
  requires static transitive org.jspecify;
  requires org.slf4j;
  // Caffeine's Ticker is in the API (LocalLinkStore's and ActivityLedger's constructors).
  requires transitive com.github.benmanes.caffeine;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires io.github.bucket4j.core;

  exports dev.moat;
  exports dev.moat.detect;
  exports dev.moat.enforce;
  exports dev.moat.forensics;
  exports dev.moat.key;
  exports dev.moat.policy;
  exports dev.moat.sampling;
  exports dev.moat.spi;
  exports dev.moat.state;
  exports dev.moat.time;
  exports dev.moat.watermark;
}
