package dev.moat.research.usage;

import java.util.SplittableRandom;

/**
 * Benign look-alikes of extraction: evaluation harness prompts (chain of thought, templated),
 * enterprise batch templates, a class's homework, trending prompts and hackathon starter prompts.
 * Written for this generator.
 *
 * <p>Stateless; thread-safe.
 */
final class TaskPhrases {
  private TaskPhrases() {}

  // ---- evaluation harnesses ----

  /** Harness prompt formats; {q} is the item. Common zero-shot chain-of-thought styles. */
  static final String[] HARNESS_FORMATS = {
    "Question: {q}\nAnswer: Let's think step by step.",
    "Q: {q}\nA: Let's think step by step.",
    "{q}\n\nPlease reason step by step, and put your final answer within \\boxed{}.",
    "Solve the following problem. Think step by step, then finish with \"The answer is X\".\n\n{q}",
    "The following is a multiple choice question. Think step by step and then finish your answer"
        + " with \"the answer is (X)\" where X is the correct letter.\n\n{q}",
    "### Problem\n{q}\n\n### Solution (show your work step by step)\n",
  };

  static final String[] PEOPLE = {
    "Maya", "Tom", "Aiko", "Luis", "Priya", "Ben", "Fatima", "Olek", "Grace", "Kwame", "Sofia"
  };
  static final String[] THINGS = {
    "apples", "stickers", "marbles", "books", "pencils", "cupcakes", "stamps", "coins", "cards"
  };

  /** Multiple-choice items: the stem, then four options (the first is correct). */
  static final String[][] MCQ = {
    {"Which of the following is a prime number?", "97", "91", "87", "51"},
    {
      "Which organelle produces most of a cell's ATP?",
      "Mitochondrion",
      "Ribosome",
      "Golgi apparatus",
      "Lysosome"
    },
    {
      "Which data structure gives O(1) average lookup by key?",
      "Hash table",
      "Linked list",
      "Binary heap",
      "Sorted array"
    },
    {
      "Which gas makes up most of Earth's atmosphere?",
      "Nitrogen",
      "Oxygen",
      "Argon",
      "Carbon dioxide"
    },
    {"In which year did the Berlin Wall fall?", "1989", "1991", "1987", "1985"},
    {"Which of these is a renewable energy source?", "Wind", "Coal", "Natural gas", "Diesel"},
    {
      "Which sorting algorithm is stable in its usual form?",
      "Merge sort",
      "Quicksort",
      "Heapsort",
      "Selection sort"
    },
    {"Which planet has the shortest year?", "Mercury", "Venus", "Mars", "Earth"},
    {"What is the derivative of x^3?", "3x^2", "x^2", "3x", "x^4/4"},
    {
      "Which law relates voltage, current and resistance?",
      "Ohm's law",
      "Hooke's law",
      "Boyle's law",
      "Snell's law"
    },
    {
      "Which economist wrote The Wealth of Nations?",
      "Adam Smith",
      "John Maynard Keynes",
      "Karl Marx",
      "David Ricardo"
    },
    {"What is the time complexity of binary search?", "O(log n)", "O(n)", "O(n log n)", "O(1)"},
  };

  /** A benchmark item, generated combinatorially (arithmetic word problem or multiple choice). */
  static String evalItem(SplittableRandom r) {
    if (r.nextBoolean()) {
      String p = Dist.pick(r, PEOPLE);
      String t = Dist.pick(r, THINGS);
      return p
          + " has "
          + Dist.between(r, 3, 90)
          + " "
          + t
          + ". "
          + p
          + " buys "
          + Dist.between(r, 2, 9)
          + " packs of "
          + Dist.between(r, 3, 24)
          + " "
          + t
          + " each and gives "
          + Dist.between(r, 1, 30)
          + " to a friend. How many "
          + t
          + " does "
          + p
          + " have now?";
    }
    String[] item = MCQ[r.nextInt(MCQ.length)];
    StringBuilder b = new StringBuilder(item[0]);
    int shift = r.nextInt(4);
    for (int k = 0; k < 4; k++) {
      b.append('\n').append((char) ('A' + k)).append(". ").append(item[1 + (k + shift) % 4]);
    }
    return b.toString();
  }

  // ---- enterprise batch templates (one per account) ----

  static final String[] ENTERPRISE = {
    "Classify the following customer support ticket into exactly one category: billing,"
        + " technical, account, shipping, other. Reply with the category only.\n\nTicket: {ticket}",
    "Extract the vendor name, invoice date, total amount and currency from the text below."
        + " Return only JSON with keys vendor, date, total, currency.\n\n{invoice}",
    "Summarize the following product review in one sentence and give a sentiment score from 1 to"
        + " 5 as \"score: N\".\n\nReview: {review}",
    "Translate the following product description into {language}. Keep the formatting and do not"
        + " add anything.\n\n{product}",
    "You are reviewing a transaction for fraud. Given the fields below, answer LOW, MEDIUM or"
        + " HIGH risk and one short reason.\n\n{txn}",
  };
  static final String[] ENTERPRISE_SYSTEMS = {
    "You are an automated back-office assistant. Follow the output format exactly.",
    "You are a data extraction service. Never include explanations.",
    "Answer tersely. Output is parsed by a program.",
  };
  static final String[] COMPLAINTS = {
    "I was charged twice for my order", "the app crashes when I open settings",
    "I can't log in after resetting my password", "my package says delivered but it isn't here",
    "how do I change the email on my account", "the invoice shows the wrong VAT number",
    "the tracking number doesn't work", "I want to cancel and get a refund"
  };
  static final String[] VENDORS = {
    "Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Hooli", "Stark Supply"
  };
  static final String[] PRODUCTS = {
    "wireless headphones", "standing desk", "stainless water bottle", "running shoes",
    "cordless drill", "espresso machine", "yoga mat", "phone case"
  };
  static final String[] OPINIONS = {
    "works great, battery lasts forever",
    "broke after two weeks",
    "ok for the price",
    "exactly as described, fast shipping",
    "the color is different from the photos",
    "customer service was unhelpful",
    "would buy again"
  };

  static String enterpriseSlot(String name, SplittableRandom r) {
    return switch (name) {
      case "ticket" ->
          "Order #" + Dist.between(r, 100000, 999999) + " - " + Dist.pick(r, COMPLAINTS);
      case "invoice" ->
          Dist.pick(r, VENDORS)
              + "\nInvoice no. INV-"
              + Dist.between(r, 1000, 99999)
              + "\nDate: 2026-0"
              + Dist.between(r, 1, 9)
              + "-"
              + Dist.between(r, 10, 28)
              + "\nTotal due: "
              + Dist.between(r, 20, 20000)
              + "."
              + Dist.between(r, 10, 99)
              + " "
              + Dist.pick(r, new String[] {"EUR", "USD", "GBP"});
      case "review" -> "Bought the " + Dist.pick(r, PRODUCTS) + ": " + Dist.pick(r, OPINIONS) + ".";
      case "language" -> Dist.pick(r, ChatPhrases.LANGUAGES);
      case "product" ->
          "Our "
              + Dist.pick(r, PRODUCTS)
              + ", model "
              + Dist.between(r, 100, 999)
              + ", comes with a 2-year warranty.";
      case "txn" ->
          "amount="
              + Dist.between(r, 1, 9000)
              + " country="
              + Dist.pick(r, new String[] {"US", "DE", "BR", "NG", "IN", "FR"})
              + " new_device="
              + r.nextBoolean()
              + " account_age_days="
              + Dist.between(r, 0, 3000);
      default -> throw new IllegalArgumentException("enterprise slot '" + name + "' is not known");
    };
  }

  // ---- classroom ----

  static final String[] HOMEWORK = {
    "A {m} kg block slides down a frictionless incline of {a} degrees from a height of {h} m."
        + " Find its speed at the bottom and the time it takes. Explain step by step.",
    "Explain step by step how to balance this equation and find the mass of CO2 produced when"
        + " {m} g of propane burns completely: C3H8 + O2 -> CO2 + H2O",
    "Solve for x and explain step by step: {m}x^2 - {a}x + {h} = 0. Then check your answer.",
    "A firm has fixed costs of {h}00 and variable cost {m} per unit, price {a}. Find the break-even"
        + " quantity and explain step by step what happens if the price drops by 10%.",
    "Explain step by step how Dijkstra's algorithm finds the shortest path from A to E in this"
        + " graph: A-B {m}, A-C {a}, B-D {h}, C-D 2, D-E {m}, C-E {a}.",
  };
  static final String[] HOMEWORK_FOLLOW_UPS = {
    "i still don't get step {n}", "can you explain it simpler", "what is the final answer?",
    "why do we use that formula", "can you check my answer, I got {n}", "explain step 2 again",
    "how would this change if it had friction", "thanks", "is there a faster way"
  };

  static String homework(SplittableRandom r) {
    return Template.any(
        Dist.pick(r, HOMEWORK),
        s ->
            switch (s) {
              case "m" -> Integer.toString(Dist.between(r, 2, 12));
              case "a" -> Integer.toString(Dist.between(r, 15, 60));
              default -> Integer.toString(Dist.between(r, 2, 30));
            },
        r);
  }

  static String homeworkFollowUp(SplittableRandom r) {
    return Template.any(
        Dist.pick(r, HOMEWORK_FOLLOW_UPS), s -> Integer.toString(Dist.between(r, 2, 40)), r);
  }

  // ---- trending prompts ----

  static final String[] TRENDING = {
    "Based on everything you know about me, describe my personality brutally honestly.",
    "Explain the internet to a medieval peasant in exactly five sentences.",
    "Write a rap battle between a cat and a Roomba.",
    "What is one question nobody has ever asked you? Answer it.",
    "Roast me like a stand-up comedian. Don't hold back.",
    "If you were human for one day, what would you do hour by hour?",
    "Create a fake Wikipedia article about the day the moon went missing.",
    "Describe your ideal day using only emojis, then translate it.",
  };

  // ---- hackathon starter kits ----

  static final String[] STARTERS = {
    "Generate 5 creative names and a one-line pitch for a {theme} app.",
    "Given this user message, return JSON with fields intent and entities: \"{input}\"",
    "Summarize the following text for a 10-year-old in three bullet points: {input}",
    "You are the backend of a {theme} app. Suggest the next action for the user: {input}",
    "Write a friendly onboarding message for new users of a {theme} app.",
  };
  static final String[] THEMES = {
    "climate",
    "study buddy",
    "recipe",
    "accessibility",
    "fitness",
    "travel",
    "mental health",
    "personal finance",
    "open data",
    "music"
  };
  static final String[] INPUTS = {
    "book me a table for 4 tomorrow at 7", "remind me to water the plants every monday",
    "I spent 40 dollars on groceries", "find vegan restaurants near the station",
    "what should I study first for my chemistry exam", "I feel stressed about work"
  };

  static String starter(String template, SplittableRandom r) {
    return Template.any(
        template, s -> s.equals("theme") ? Dist.pick(r, THEMES) : Dist.pick(r, INPUTS), r);
  }
}
