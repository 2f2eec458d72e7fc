package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A template is the instruction above a pasted document, not the document ({@link
 * PromptScan#templateWords}). On the fourth generator's seed 110 without metadata, a news corpus
 * that translation pipelines, support bots and casual users all pasted made one template of their
 * requests and relayed campaign traffic, and every translation pipeline and support bot was flagged
 * (7 of 7 and 3 of 3).
 */
class PastedDocumentTest {
  private static final String DOC =
      "The museum's new wing focuses on textiles and everyday objects from the nineteenth century,"
          + " and the curators spent three years collecting letters, receipts and photographs from"
          + " families in the region. Attendance at the weekend market has doubled since the"
          + " organisers added food stalls and a stage for local musicians.";

  private static final String OTHER_DOC =
      "Shipping costs rose sharply in the spring, which forced several small retailers to raise"
          + " prices and delay new collections. Management has asked every team to reduce travel"
          + " spending until the end of the quarter, and several volunteers mentioned that the"
          + " sign-up form was confusing on mobile devices.";

  private static Set<Long> bands(Detector d, String prompt) {
    Detector.Prepared p = d.prepare(record(prompt));
    Set<Long> out = new HashSet<>();
    for (int b = 0; b < d.bands; b++) {
      out.add(p.keys[b]);
    }
    return out;
  }

  @Test
  void aDocumentThatManyPasteDoesNotMakeOneTemplate() {
    String[] instructions = {
      "Translate the following news article from English into Chinese. Keep the paragraph"
          + " structure.\n\n",
      "Use only the context below to answer the customer's question. If the answer is not in the"
          + " context, say you will escalate.\n\nContext:\n",
      "summarize this article for me:\n\n",
      "Rate the following text for clarity. Reason step by step before your score.\n"
    };
    try (Detector d = Detector.builder().build()) {
      for (int i = 0; i < instructions.length; i++) {
        for (int j = i + 1; j < instructions.length; j++) {
          Set<Long> shared = bands(d, instructions[i] + DOC);
          shared.retainAll(bands(d, instructions[j] + DOC));
          assertEquals(Set.of(), shared, "template keys shared by instructions " + i + " and " + j);
        }
      }
    }
  }

  @Test
  void oneInstructionIsOneTemplateWhateverIsPasted() {
    String instruction = "Translate the following contract clause from English into Polish.\n\n";
    try (Detector d = Detector.builder().build()) {
      assertEquals(bands(d, instruction + DOC), bands(d, instruction + OTHER_DOC));
      // The document still tells the requests apart: distinct skeletons, for the sweep view.
      long a = d.prepare(record(instruction + DOC)).skeleton;
      long b = d.prepare(record(instruction + OTHER_DOC)).skeleton;
      assertTrue(a != b, "the skeleton's hash reads the document too");
    }
  }

  @Test
  void aPromptWithoutAPastedDocumentIsKeyedOnAllItsWords() {
    try (Detector d = Detector.builder().build()) {
      // A short second line (a question under a header) is not a document.
      String shortBody =
          "Explain step by step:\nwhy does the sky look blue at noon but red at dusk?";
      assertEquals(bands(d, shortBody.replace('\n', ' ')), bands(d, shortBody));
      // A first line too long for an instruction is the document itself.
      String longHead =
          (DOC + " " + OTHER_DOC).replace("\n", " ") + "\n\nWhat are the main points?";
      assertEquals(bands(d, longHead.replace('\n', ' ')), bands(d, longHead));
      // Two words above a document are not an instruction to key on.
      String tiny = "Summarize:\n" + DOC;
      assertEquals(bands(d, tiny.replace('\n', ' ')), bands(d, tiny));
    }
  }

  @Test
  void theInstructionEndsAtTheFirstLineBreakAfterAWord() {
    PromptScan s = new PromptScan();
    s.scan("\n\nTranslate this into French, please.\r\n" + DOC, 2000);
    assertEquals(5, s.head, "leading line breaks are not the instruction's end; \\r\\n is one");
    assertEquals(5, s.templateWords());
    s.scan("Translate this into French, please. " + DOC, 2000);
    assertEquals(s.count, s.head, "no line break: the whole prompt");
    assertEquals(s.count, s.templateWords());
    long[] all = Arrays.copyOf(s.words, s.count);
    s.scan("Translate this into French, please.\n" + DOC, 2000);
    assertArrayEquals(all, Arrays.copyOf(s.words, s.count), "the same words either way");
  }

  private static TraceRecord record(String prompt) {
    return new TraceRecord(0, "a", 0, "free", null, null, 0, null, prompt, 0, -1, 0, 100);
  }
}
