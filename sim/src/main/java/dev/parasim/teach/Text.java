package dev.parasim.teach;

/** A question in one language: the question, the short answer and the common wrong answer, as templates. */
public record Text(String question, String answer, String wrong) {}
