package dev.custody.model.state;

import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.function.UnaryOperator;

/**
 * The sorted, immutable collections inside state records, and their changes. Sorted collections keep
 * every listing (outputs, reasons, invariant reports) deterministic; they are persistent
 * ({@link PersistentSortedMap}, {@link PersistentSortedSet}), so a change costs O(log n) and shares
 * the rest with the collection it came from, whatever the size of the host.
 */
public final class Sorted {
    private Sorted() {}

    public static <K, V> SortedMap<K, V> map(Map<K, V> source) {
        return PersistentSortedMap.copyOf(source);
    }

    public static <K, V> SortedMap<K, V> emptyMap() {
        return PersistentSortedMap.empty();
    }

    public static <K, V> SortedMap<K, V> put(Map<K, V> source, K key, V value) {
        return PersistentSortedMap.copyOf(source).plus(key, value);
    }

    public static <K, V> SortedMap<K, V> remove(Map<K, V> source, K key) {
        return PersistentSortedMap.copyOf(source).minus(key);
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
        return PersistentSortedSet.copyOf(source);
    }

    public static <E> SortedSet<E> with(Collection<E> source, E element) {
        return PersistentSortedSet.copyOf(source).plus(element);
    }

    public static <E> SortedSet<E> without(Collection<E> source, E element) {
        return PersistentSortedSet.copyOf(source).minus(element);
    }
}
