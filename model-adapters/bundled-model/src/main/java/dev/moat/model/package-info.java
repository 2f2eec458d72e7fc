/** Locates the files of the model Moat bundles. */
@NullMarked
package dev.moat.model;

import org.jspecify.annotations.NullMarked;
