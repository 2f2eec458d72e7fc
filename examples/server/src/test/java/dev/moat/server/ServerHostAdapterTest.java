package dev.moat.server;

/**
 * The model server's loop without batching (each generation's steps on the worker pool, one model
 * call per step) passes the host-adapter compatibility kit.
 */
class ServerHostAdapterTest extends ServerLoopKit {
  @Override
  int maxBatch() {
    return 1;
  }
}
