package dev.moat.research;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.javaparser.JavaParser;
import org.junit.jupiter.api.Test;

class QualityCommandTest {
  /**
   * Regression: a generated line on which JavaParser's error recovery throws an AssertionError
   * aborted the whole quality report after five minutes of generation. It counts as not parsing.
   */
  @Test
  void aStatementThatCrashesJavaParserCountsAsNotParsing() {
    JavaParser parser = new JavaParser();
    String crasher = "default x \n.else }/* ;";
    assertThrows(AssertionError.class, () -> parser.parseStatement(crasher));
    assertFalse(QualityReport.parses(parser, crasher));
    assertTrue(QualityReport.parses(parser, "int x = 1;"));
    assertFalse(QualityReport.parses(parser, "int x = ;"));
  }
}
