package dev.moat.research.usage;

import java.util.SplittableRandom;

/**
 * Everyday chat: openers built from templates and slot lists, and follow-ups. Written for this
 * generator. Typical chat prompts are short (LMSYS-Chat-1M reports about 70 tokens per user message
 * on average, with a long tail of pasted text), so most openers are one sentence.
 *
 * <p>Stateless; thread-safe.
 */
final class ChatPhrases {
  private ChatPhrases() {}

  static final String[] OPENERS = {
    "what's a good recipe for {dish} [without|with no|that doesn't use] {ingredient}?",
    "how do I {chore}",
    "[write|draft|help me write] a {tone} email to my {person} about {matter}",
    "can you translate \"{phrase}\" into {language}",
    "explain {concept} [in simple terms|like I'm five|in a few sentences]",
    "give me {n} ideas for {occasion}",
    "is it [safe|ok|normal] to {health}?",
    "summarize the plot of {book} [without spoilers|in a paragraph|]",
    "[help me write|write] a [short|funny|heartfelt] birthday message for my {person}",
    "what's the difference between {pair}?",
    "plan a {n}-day trip to {city} [on a budget|with kids|for a couple|]",
    "my {pet} {petIssue}, what should I do?",
    "tell me a joke about {jokeTopic}",
    "[Can you|Could you|Please] [rewrite|proofread|improve] this: \"{sentence}\"",
    "what should I [cook|make] for dinner tonight, I have {ingredient} and {ingredient2}",
    "who [won|was the best player in] the {event}?",
    "how many calories are in {food}",
    "[I need|Give me] a workout plan for {goal}",
    "what does \"{idiom}\" mean?",
    "recommend {n} {genre} [books|movies|podcasts] like {book}",
    "how long does it take to {chore}?",
    "[hi|hello|hey], {smallTalk}",
    "write a [poem|limerick|haiku|short story] about {jokeTopic}",
    "how do I reply to my {person} who said \"{sentence}\"",
  };

  static final String[] FOLLOW_UPS = {
    "thanks! can you make it shorter?",
    "make it more formal",
    "what about for {n} people?",
    "why?",
    "give me another one",
    "in {language} please",
    "ok and what if that doesn't work?",
    "can you put that in a table",
    "that's not right, try again",
    "more details on the second point",
    "thank you!!",
    "can you make it funnier",
    "and without {ingredient}?",
    "shorter please",
    "what would you recommend?",
    "is there a cheaper option",
    "ok",
    "explain that last part again",
  };

  static final String[] DISHES = {
    "banana bread",
    "lasagna",
    "chicken curry",
    "pad thai",
    "pancakes",
    "shakshuka",
    "risotto",
    "chili",
    "fried rice",
    "brownies",
    "tomato soup",
    "falafel",
    "ramen",
    "tacos",
    "paella",
    "carrot cake",
    "mac and cheese",
    "pho",
    "quiche",
    "apple pie",
    "dal",
    "gnocchi"
  };
  static final String[] INGREDIENTS = {
    "eggs",
    "butter",
    "milk",
    "gluten",
    "sugar",
    "an oven",
    "onions",
    "garlic",
    "nuts",
    "rice",
    "chickpeas",
    "spinach",
    "leftover chicken",
    "tofu",
    "canned tomatoes",
    "yogurt",
    "cheese"
  };
  static final String[] CHORES = {
    "get rid of fruit flies", "unclog a drain", "remove a red wine stain", "descale a kettle",
    "change a bike tire", "fix a squeaky door", "clean a cast iron pan", "back up my iphone",
    "reset my router", "get better sleep", "stop procrastinating", "fold a fitted sheet",
    "learn to touch type", "negotiate my rent", "file my taxes as a freelancer",
        "grow basil indoors"
  };
  static final String[] TONES = {
    "polite", "firm", "friendly", "short", "professional", "apologetic"
  };
  static final String[] PEOPLE = {
    "landlord",
    "boss",
    "coworker",
    "teacher",
    "neighbor",
    "mom",
    "best friend",
    "sister",
    "professor",
    "team",
    "client",
    "dad",
    "partner",
    "coach"
  };
  static final String[] MATTERS = {
    "a broken heater", "taking friday off", "a late payment", "the noise at night",
    "missing the deadline", "a refund", "the group project", "rescheduling our meeting",
    "a raise", "canceling my subscription", "the party next week"
  };
  static final String[] PHRASES = {
    "where is the train station", "I would like a table for two", "thank you for everything",
    "happy birthday grandma", "how much does this cost", "I'm allergic to peanuts",
    "see you tomorrow", "the meeting is postponed"
  };
  static final String[] LANGUAGES = {
    "Spanish",
    "French",
    "German",
    "Japanese",
    "Korean",
    "Italian",
    "Portuguese",
    "Hindi",
    "Arabic",
    "Turkish",
    "Polish",
    "Dutch",
    "Vietnamese",
    "Chinese"
  };
  static final String[] CONCEPTS = {
    "inflation",
    "black holes",
    "compound interest",
    "the stock market",
    "photosynthesis",
    "blockchain",
    "vaccines",
    "climate change",
    "quantum computing",
    "the electoral college",
    "credit scores",
    "jet lag",
    "dreams",
    "tides",
    "the placebo effect",
    "machine learning"
  };
  static final String[] OCCASIONS = {
    "a rainy weekend",
    "a first date",
    "a team building event",
    "a 6 year old's birthday party",
    "a baby shower",
    "a wedding speech",
    "a youtube channel",
    "a small garden",
    "halloween costumes",
    "date night at home",
    "a retirement gift",
    "a book club"
  };
  static final String[] HEALTH = {
    "drink coffee while pregnant", "run every day", "take ibuprofen with food",
        "eat raw cookie dough",
    "sleep 5 hours a night", "fast for 16 hours", "lift weights with back pain",
        "eat eggs every day"
  };
  static final String[] BOOKS = {
    "The Great Gatsby", "Dune", "Pride and Prejudice", "1984", "The Hobbit", "Beloved",
    "The Road", "Project Hail Mary", "Normal People", "The Alchemist", "Circe", "Jane Eyre"
  };
  static final String[] PAIRS = {
    "a latte and a cappuccino", "weather and climate", "a virus and bacteria", "affect and effect",
    "a roth ira and a 401k", "baking soda and baking powder", "LED and OLED",
        "a crocodile and an alligator",
    "stocks and bonds", "a psychologist and a psychiatrist", "HIIT and cardio"
  };
  static final String[] CITIES = {
    "Lisbon",
    "Tokyo",
    "Mexico City",
    "Rome",
    "Seoul",
    "Prague",
    "Cape Town",
    "Bangkok",
    "Montreal",
    "Istanbul",
    "Barcelona",
    "Hanoi",
    "Edinburgh",
    "Buenos Aires"
  };
  static final String[] PETS = {"dog", "cat", "rabbit", "hamster", "parrot", "puppy", "kitten"};
  static final String[] PET_ISSUES = {
    "won't eat",
    "keeps scratching",
    "is throwing up",
    "barks at night",
    "is limping",
    "ate some chocolate",
    "is hiding all day",
    "chews everything"
  };
  static final String[] JOKE_TOPICS = {
    "cats",
    "accountants",
    "mondays",
    "coffee",
    "pirates",
    "my job in IT",
    "the moon",
    "penguins",
    "grandma's cooking",
    "autumn",
    "a lonely robot",
    "the ocean"
  };
  static final String[] SENTENCES = {
    "i cant make it to the meeting tomorrow sorry", "we should talk about what happened",
    "Thanks for you're help last week", "the project is delayed because of reasons",
    "I am writing to inform you about my resignation", "lol ok whatever you think"
  };
  static final String[] EVENTS = {
    "2018 world cup",
    "last super bowl",
    "2016 olympics 100m",
    "2019 cricket world cup",
    "first season of survivor",
    "tour de france 2020"
  };
  static final String[] FOODS = {
    "an avocado", "a big mac", "a banana", "a glass of red wine", "100g of almonds", "a bagel"
  };
  static final String[] GOALS = {
    "losing weight", "my first 5k", "building muscle at home", "a bad knee", "beginners over 50"
  };
  static final String[] IDIOMS = {
    "break a leg",
    "the ball is in your court",
    "bite the bullet",
    "spill the tea",
    "it's not rocket science",
    "once in a blue moon"
  };
  static final String[] GENRES = {
    "sci-fi", "mystery", "fantasy", "non fiction", "romance", "horror"
  };
  static final String[] SMALL_TALK = {
    "how are you today?", "can you help me with something", "are you better than chatgpt?",
    "what can you do?", "i'm bored", "what day is it"
  };

  static String slot(String name, SplittableRandom r) {
    return switch (name) {
      case "dish" -> Dist.pick(r, DISHES);
      case "ingredient", "ingredient2" -> Dist.pick(r, INGREDIENTS);
      case "chore" -> Dist.pick(r, CHORES);
      case "tone" -> Dist.pick(r, TONES);
      case "person" -> Dist.pick(r, PEOPLE);
      case "matter" -> Dist.pick(r, MATTERS);
      case "phrase" -> Dist.pick(r, PHRASES);
      case "language" -> Dist.pick(r, LANGUAGES);
      case "concept" -> Dist.pick(r, CONCEPTS);
      case "n" -> Integer.toString(Dist.between(r, 2, 10));
      case "occasion" -> Dist.pick(r, OCCASIONS);
      case "health" -> Dist.pick(r, HEALTH);
      case "book" -> Dist.pick(r, BOOKS);
      case "pair" -> Dist.pick(r, PAIRS);
      case "city" -> Dist.pick(r, CITIES);
      case "pet" -> Dist.pick(r, PETS);
      case "petIssue" -> Dist.pick(r, PET_ISSUES);
      case "jokeTopic" -> Dist.pick(r, JOKE_TOPICS);
      case "sentence" -> Dist.pick(r, SENTENCES);
      case "event" -> Dist.pick(r, EVENTS);
      case "food" -> Dist.pick(r, FOODS);
      case "goal" -> Dist.pick(r, GOALS);
      case "idiom" -> Dist.pick(r, IDIOMS);
      case "genre" -> Dist.pick(r, GENRES);
      case "smallTalk" -> Dist.pick(r, SMALL_TALK);
      default -> throw new IllegalArgumentException("chat slot '" + name + "' is not known");
    };
  }

  /** A first message of an everyday conversation. */
  static String opener(SplittableRandom r) {
    return Template.any(Dist.pick(r, OPENERS), s -> slot(s, r), r).strip();
  }

  static String followUp(SplittableRandom r) {
    return Template.any(Dist.pick(r, FOLLOW_UPS), s -> slot(s, r), r);
  }

  /** System prompts that chat front ends send (null: the front end sends none). */
  static final String[] UI_SYSTEMS = {
    "You are a helpful assistant.",
    "You are a friendly, concise assistant. Answer in the user's language. Use markdown when it"
        + " helps readability.",
    "You are Pocket, an AI companion in a mobile app. Keep answers short and warm.",
    "The assistant is helpful, harmless and honest. Current date: {date}.",
  };
}
