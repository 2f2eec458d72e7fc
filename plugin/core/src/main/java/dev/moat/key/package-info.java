/**
 * Key material shared by every keyed protection (watermarks, keyed noise) and by the detectors that
 * verify them. Depends on nothing else in Moat's API, so any protection may use it without tying
 * its package to another's.
 */
@NullMarked
package dev.moat.key;

import org.jspecify.annotations.NullMarked;
