package dev.moat.server;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last few prompts of the most recently active accounts, truncated, for the console's account
 * view (what an operator reads before clearing a flag): {@value #PER_ACCOUNT} prompts of at most
 * {@value #CHARS} characters per account, for at most {@code accounts} accounts (the least recently
 * active forgotten first). Memory only; never written to disk or logged.
 *
 * <p>Thread-safe: one lock, taken once per request at its start (never per token).
 */
final class RecentPrompts {
  static final int PER_ACCOUNT = 5;
  static final int CHARS = 160;

  private final LinkedHashMap<String, ArrayDeque<String>> byAccount;

  RecentPrompts(int accounts) {
    this.byAccount =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<String>> eldest) {
            return size() > accounts;
          }
        };
  }

  /** Notes a request's prompt (truncated) for its account. */
  void add(String account, String prompt) {
    String p = prompt.length() <= CHARS ? prompt : prompt.substring(0, CHARS) + "…";
    synchronized (byAccount) {
      ArrayDeque<String> q = byAccount.computeIfAbsent(account, k -> new ArrayDeque<>());
      if (q.size() == PER_ACCOUNT) {
        q.removeFirst();
      }
      q.addLast(p);
    }
  }

  /** The account's recent prompts, newest first (empty if none is held). */
  List<String> of(String account) {
    synchronized (byAccount) {
      ArrayDeque<String> q = byAccount.get(account);
      if (q == null) {
        return List.of();
      }
      List<String> r = new java.util.ArrayList<>(q);
      java.util.Collections.reverse(r);
      return r;
    }
  }
}
