/**
 * A second traffic generator for the distillation detector, written independently of the first
 * simulator ({@code dev.moat.research.sim}) without reading its code, its tuning or its history, so
 * that a detector tuned on one can be judged on the other.
 *
 * <p><b>What it models.</b> Each account is a session process: sessions start as a Poisson process
 * thinned by a diurnal/weekly curve in the account's own time zone; a session holds a geometric
 * number of conversations, a conversation a geometric number of turns, separated by log-normal gaps
 * (human reading and typing, sub-second agent tool loops, or regular machine timing). What an
 * account says comes from its voice: the population's phrase banks and the request settings of its
 * SDK or front end. Benign populations: casual chat, developers, an agent product's users,
 * evaluation harnesses, enterprise batch jobs, a classroom behind one NAT, a hackathon, and
 * ordinary users sending a trending prompt. Campaigns: {@code campaign-hydra} (young accounts in
 * waves, rotating proxies, a shared topic sweep), {@code campaign-stealth} (aged accounts,
 * paraphrase, human timing, filler), {@code campaign-reseller} (genuine resold traffic with a
 * minority of extraction; per-request {@code extraction} flags) and {@code campaign-slowdrip} (aged
 * accounts, a few requests a day over disjoint topic slices).
 *
 * <p><b>Domain randomisation.</b> Every knob (population sizes, rates, template counts, paraphrase
 * strength, missing-field shares, time-zone mix, max_tokens defaults, campaign share) is drawn per
 * seed from a range; {@link dev.moat.research.usage.UsageGenerator#knobs()} lists the draws.
 *
 * <p><b>Sources.</b> Conversation length and prompt/response sizes: LMSYS-Chat-1M (Zheng et al.,
 * 2023: about 2 turns per conversation, ~70 prompt and ~215 response tokens on average) and
 * ShareGPT (longer, about 3.5 turns). Diurnal and weekly shapes and API burstiness: the Azure LLM
 * inference traces (Patel et al., Splitwise, 2024) and BurstGPT (Wang et al., 2024). Request
 * defaults: the max_tokens and temperature values that SDK quick-starts and coding tools send.
 * Everything else (group sizes, campaign behaviour) is drawn from deliberately wide ranges.
 */
@NullMarked
package dev.moat.research.usage;

import org.jspecify.annotations.NullMarked;
