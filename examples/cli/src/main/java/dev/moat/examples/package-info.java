/** The {@code ./moat} command line: the demo on the bundled model and the watermark detector. */
@NullMarked
package dev.moat.examples;

import org.jspecify.annotations.NullMarked;
