package dev.custody.model.state;

import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable sorted set that shares structure with the set it was made from ({@link #plus} and
 * {@link #minus} in O(log n)): the keys of a {@link PersistentSortedMap}. Natural order; the
 * {@code Set} mutators throw {@link UnsupportedOperationException}.
 */
public final class PersistentSortedSet<E> extends AbstractSet<E> implements SortedSet<E> {
    private static final PersistentSortedSet<?> EMPTY = new PersistentSortedSet<>(PersistentSortedMap.empty());

    private final PersistentSortedMap<E, Boolean> elements;
    private int hash; // 0: not computed yet

    private PersistentSortedSet(PersistentSortedMap<E, Boolean> elements) {
        this.elements = elements;
    }

    @SuppressWarnings("unchecked")
    public static <E> PersistentSortedSet<E> empty() {
        return (PersistentSortedSet<E>) EMPTY;
    }

    /** The same elements as a persistent set: the collection itself when it is one. */
    public static <E> PersistentSortedSet<E> copyOf(Collection<E> source) {
        if (source instanceof PersistentSortedSet<E> persistent) {
            return persistent;
        }
        Map<E, Boolean> marked = new TreeMap<>();
        for (E element : source) {
            marked.put(element, Boolean.TRUE);
        }
        return marked.isEmpty() ? empty() : new PersistentSortedSet<>(PersistentSortedMap.copyOf(marked));
    }

    public PersistentSortedSet<E> plus(E element) {
        PersistentSortedMap<E, Boolean> now = elements.plus(element, Boolean.TRUE);
        return now == elements ? this : new PersistentSortedSet<>(now);
    }

    public PersistentSortedSet<E> minus(Object element) {
        PersistentSortedMap<E, Boolean> now = elements.minus(element);
        return now == elements ? this : new PersistentSortedSet<>(now);
    }

    /** The element at {@code position} in order, in O(log n). */
    public E elementAt(int position) {
        return elements.entryAt(position).getKey();
    }

    @Override
    public Iterator<E> iterator() {
        return elements.keySet().iterator();
    }

    @Override
    public int size() {
        return elements.size();
    }

    @Override
    public boolean isEmpty() {
        return elements.isEmpty();
    }

    @Override
    public boolean contains(Object o) {
        return o != null && elements.containsKey(o);
    }

    @Override
    public Comparator<? super E> comparator() {
        return null; // natural order
    }

    @Override
    public E first() {
        return elements.firstKey();
    }

    @Override
    public E last() {
        return elements.lastKey();
    }

    /** A range is copied (into an unmodifiable {@code TreeSet}): nothing in the state reads ranges often. */
    @Override
    public SortedSet<E> subSet(E fromElement, E toElement) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(this).subSet(fromElement, toElement));
    }

    @Override
    public SortedSet<E> headSet(E toElement) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(this).headSet(toElement));
    }

    @Override
    public SortedSet<E> tailSet(E fromElement) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(this).tailSet(fromElement));
    }

    @Override
    public boolean equals(Object other) {
        if (other instanceof PersistentSortedSet<?> that) {
            return elements.equals(that.elements);
        }
        return super.equals(other);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0 && !isEmpty()) {
            h = super.hashCode();
            hash = h;
        }
        return h;
    }
}
