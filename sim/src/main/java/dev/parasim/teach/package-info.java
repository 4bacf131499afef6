/**
 * Teaching material: the interview question bank ({@code seeds/questions.yaml}) read strictly, each question's
 * typed probes evaluated on the accountant at run time (numbers are never stored), answers rendered in English
 * and Chinese, their charts, and the static bilingual book.
 */
package dev.parasim.teach;
