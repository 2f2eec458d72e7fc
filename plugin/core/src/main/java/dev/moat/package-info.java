/**
 * Moat's host-facing API.
 *
 * <p>A host builds one {@link dev.moat.Moat} per model server, calls {@link dev.moat.Moat#begin} at
 * the start of each generation request and drives the returned {@link dev.moat.MoatRequest} from
 * its sampling loop: {@code sample} (or {@code processLogits} when the host samples itself), then
 * {@code accept} with the chosen token, then {@code finish}. Nothing here downloads, phones home or
 * logs per token.
 */
@NullMarked
package dev.moat;

import org.jspecify.annotations.NullMarked;
