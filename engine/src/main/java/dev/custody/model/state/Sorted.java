package dev.custody.model.state;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Copy-on-write helpers for the sorted, unmodifiable collections inside state records. Sorted
 * collections keep every listing (outputs, reasons, invariant reports) deterministic.
 */
public final class Sorted {
    private Sorted() {}

    public static <K, V> SortedMap<K, V> map(Map<K, V> source) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(source));
    }

    public static <K, V> SortedMap<K, V> emptyMap() {
        return Collections.unmodifiableSortedMap(new TreeMap<>());
    }

    public static <K, V> SortedMap<K, V> put(Map<K, V> source, K key, V value) {
        TreeMap<K, V> copy = new TreeMap<>(source);
        copy.put(key, value);
        return Collections.unmodifiableSortedMap(copy);
    }

    public static <K, V> SortedMap<K, V> remove(Map<K, V> source, K key) {
        TreeMap<K, V> copy = new TreeMap<>(source);
        copy.remove(key);
        return Collections.unmodifiableSortedMap(copy);
    }

    /** Replaces the value under an existing key; fails loudly on a missing key, which is a bug. */
    public static <K, V> SortedMap<K, V> update(Map<K, V> source, K key, UnaryOperator<V> change) {
        V old = source.get(key);
        if (old == null) {
            throw new IllegalStateException("no entry " + key + " to update");
        }
        return put(source, key, change.apply(old));
    }

    public static <E> SortedSet<E> set(Collection<E> source) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(source));
    }

    public static <E> SortedSet<E> with(Collection<E> source, E element) {
        TreeSet<E> copy = new TreeSet<>(source);
        copy.add(element);
        return Collections.unmodifiableSortedSet(copy);
    }

    public static <E> SortedSet<E> without(Collection<E> source, E element) {
        TreeSet<E> copy = new TreeSet<>(source);
        copy.remove(element);
        return Collections.unmodifiableSortedSet(copy);
    }
}
