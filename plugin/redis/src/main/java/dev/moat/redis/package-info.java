/** What the Redis backends share: the rules of their connection settings. */
@NullMarked
package dev.moat.redis;

import org.jspecify.annotations.NullMarked;
