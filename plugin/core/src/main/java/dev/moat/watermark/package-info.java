/**
 * Keyed watermarks and their detectors. {@link dev.moat.watermark.KgwScheme} specifies the keyed
 * pseudo-random function precisely enough for a third party to re-implement the detector.
 */
@NullMarked
package dev.moat.watermark;

import org.jspecify.annotations.NullMarked;
