package dev.moat.detect;

/** Lets tests in other packages run {@link LinkStoreContract}. */
public final class LinkStoreContractAccess {
  private LinkStoreContractAccess() {}

  public static void check(LinkStore store) {
    LinkStoreContract.check(store);
  }

  public static void checkPins(LinkStore store) {
    LinkStoreContract.checkPins(store);
  }

  public static void checkWatches(LinkStore store) {
    LinkStoreContract.checkWatches(store);
  }
}
