/**
 * Probing-session and campaign detection: the trace format ({@link dev.moat.detect.TraceRecord},
 * {@link dev.moat.detect.TraceReader}), streaming features per request, account and client, and
 * cross-account linking.
 */
@NullMarked
package dev.moat.detect;

import org.jspecify.annotations.NullMarked;
