package dev.custody.entity;

/** Published on the event stream when an entity that was stuck ({@link StuckEntity}) recovered after all. */
public record EntityRecovered(String instance, String persistenceId) {}
