package dev.custody.model.state;

import dev.custody.model.state.AvlTree.Node;
import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An immutable sorted map that shares structure with the map it was made from: {@link #plus} and
 * {@link #minus} cost O(log n) and copy only one path of a balanced tree, so a state made of such maps
 * changes one device, group, domain or file without copying the others. Keys are in natural order, as
 * in a {@code TreeMap} without a comparator; {@code equals}, {@code hashCode} and {@code toString}
 * are those of any {@link Map}. The {@code Map} mutators throw {@link UnsupportedOperationException}.
 *
 * <p>A map can carry one {@link Index}: for every value, the terms it is filed under (a group under
 * the domains it uses, say), kept up to date by {@code plus} and {@code minus}, so that "which keys
 * are filed under this term" is a lookup and not a scan. The index is built the first time it is
 * asked (a map nobody asks, such as a state cut down for a check, never pays for it) and from then on
 * kept by every map made from this one. It is not part of the map's value.
 */
public final class PersistentSortedMap<K, V> extends AbstractMap<K, V> implements SortedMap<K, V> {
    private static final PersistentSortedMap<?, ?> EMPTY = new PersistentSortedMap<>(null, null, null);

    private final Node<K, V> root;
    private final Index<? super V, ?> filing; // null: no index
    // built on first use; a race builds it twice, harmlessly: it is immutable and published whole
    private Indexed<K, V, ?> index;
    private int hash; // 0: not computed yet (as String's)

    private PersistentSortedMap(Node<K, V> root, Index<? super V, ?> filing, Indexed<K, V, ?> index) {
        this.root = root;
        this.filing = filing;
        this.index = index;
    }

    @SuppressWarnings("unchecked")
    public static <K, V> PersistentSortedMap<K, V> empty() {
        return (PersistentSortedMap<K, V>) EMPTY;
    }

    /**
     * The same entries as a persistent map: the map itself when it is one (with its index), else a
     * copy in O(n) for a map already sorted by natural order, O(n log n) otherwise.
     */
    public static <K, V> PersistentSortedMap<K, V> copyOf(Map<K, V> source) {
        if (source instanceof PersistentSortedMap<K, V> persistent) {
            return persistent;
        }
        if (source instanceof SortedMap<K, V> sorted && sorted.comparator() == null) {
            return fromSorted(sorted);
        }
        return fromSorted(new TreeMap<>(source));
    }

    private static <K, V> PersistentSortedMap<K, V> fromSorted(SortedMap<K, V> sorted) {
        Object[] keys = new Object[sorted.size()];
        Object[] values = new Object[sorted.size()];
        int n = 0;
        for (Map.Entry<K, V> entry : sorted.entrySet()) {
            keys[n] = Objects.requireNonNull(entry.getKey(), "a sorted map's key");
            values[n] = entry.getValue();
            n++;
        }
        return n == 0 ? empty() : new PersistentSortedMap<>(AvlTree.fromSorted(keys, values, 0, n), null, null);
    }

    /** This map with {@code key} mapped to {@code value}: this very map when it already maps the key to that value. */
    public PersistentSortedMap<K, V> plus(K key, V value) {
        Objects.requireNonNull(key, "a sorted map's key");
        Node<K, V> now = AvlTree.put(root, key, value);
        if (now == root) {
            return this;
        }
        Indexed<K, V, ?> built = index;
        return new PersistentSortedMap<>(now, filing, built == null ? null : built.replaced(key, get(key), value));
    }

    /** This map without {@code key}: this very map when it has no such key. */
    public PersistentSortedMap<K, V> minus(Object key) {
        Objects.requireNonNull(key, "a sorted map's key");
        Node<K, V> old = AvlTree.find(root, key);
        if (old == null) {
            return this;
        }
        Node<K, V> now = AvlTree.remove(root, key);
        Indexed<K, V, ?> built = index;
        return new PersistentSortedMap<>(now, filing, built == null ? null : built.removed(old.key, old.value));
    }

    /** The entry at {@code position} in key order, in O(log n). */
    public Map.Entry<K, V> entryAt(int position) {
        return AvlTree.at(root, position);
    }

    // --- the index ---

    /**
     * Which terms a value is filed under, for {@link #indexedBy}. Compared by identity: keep one
     * instance per kind of index, in a constant.
     */
    public static final class Index<V, T> {
        private final Function<? super V, ? extends Collection<? extends T>> terms;

        public Index(Function<? super V, ? extends Collection<? extends T>> terms) {
            this.terms = terms;
        }
    }

    /** The same entries filed by {@code by}: this map when it already is, else the same tree with that index. */
    public PersistentSortedMap<K, V> indexedBy(Index<? super V, ?> by) {
        return filing == by ? this : new PersistentSortedMap<>(root, by, null);
    }

    /** The keys whose values are filed under {@code term}, in key order; fails on a map without an index. */
    public SortedSet<K> keysUnder(Object term) {
        if (filing == null) {
            throw new IllegalStateException("the map has no index");
        }
        Indexed<K, V, ?> built = index;
        if (built == null) {
            built = Indexed.build(filing, this);
            index = built;
        }
        return built.keysUnder(term);
    }

    /** An index in effect: term -> the keys filed under it, itself persistent. */
    private static final class Indexed<K, V, T> {
        final Index<? super V, T> definition;
        final PersistentSortedMap<T, PersistentSortedSet<K>> keysByTerm;

        Indexed(Index<? super V, T> definition, PersistentSortedMap<T, PersistentSortedSet<K>> keysByTerm) {
            this.definition = definition;
            this.keysByTerm = keysByTerm;
        }

        @SuppressWarnings("unchecked")
        static <K, V, T> Indexed<K, V, T> build(Index<? super V, ?> by, PersistentSortedMap<K, V> map) {
            Indexed<K, V, T> indexed = new Indexed<>((Index<? super V, T>) by, empty());
            for (Node<K, V> node : map.nodes()) {
                indexed = indexed.with(node.key, node.value);
            }
            return indexed;
        }

        private Collection<? extends T> termsOf(V value) {
            return value == null ? List.of() : definition.terms.apply(value);
        }

        /** Files the key anew: only the terms it leaves and the terms it joins are touched. */
        Indexed<K, V, T> replaced(K key, V old, V now) {
            Collection<? extends T> before = termsOf(old);
            Collection<? extends T> after = termsOf(now);
            PersistentSortedMap<T, PersistentSortedSet<K>> next = keysByTerm;
            for (T term : before) {
                if (!after.contains(term)) {
                    next = without(next, term, key);
                }
            }
            for (T term : after) {
                if (!before.contains(term)) {
                    next = with(next, term, key);
                }
            }
            return next == keysByTerm ? this : new Indexed<>(definition, next);
        }

        Indexed<K, V, T> removed(K key, V old) {
            PersistentSortedMap<T, PersistentSortedSet<K>> next = keysByTerm;
            for (T term : termsOf(old)) {
                next = without(next, term, key);
            }
            return next == keysByTerm ? this : new Indexed<>(definition, next);
        }

        Indexed<K, V, T> with(K key, V now) {
            PersistentSortedMap<T, PersistentSortedSet<K>> next = keysByTerm;
            for (T term : termsOf(now)) {
                next = with(next, term, key);
            }
            return next == keysByTerm ? this : new Indexed<>(definition, next);
        }

        private static <K, T> PersistentSortedMap<T, PersistentSortedSet<K>> with(
                PersistentSortedMap<T, PersistentSortedSet<K>> index, T term, K key) {
            PersistentSortedSet<K> keys = index.get(term);
            return index.plus(term, (keys == null ? PersistentSortedSet.<K>empty() : keys).plus(key));
        }

        private static <K, T> PersistentSortedMap<T, PersistentSortedSet<K>> without(
                PersistentSortedMap<T, PersistentSortedSet<K>> index, T term, K key) {
            PersistentSortedSet<K> keys = index.get(term);
            if (keys == null) {
                return index;
            }
            PersistentSortedSet<K> fewer = keys.minus(key);
            return fewer.isEmpty() ? index.minus(term) : index.plus(term, fewer);
        }

        SortedSet<K> keysUnder(Object term) {
            PersistentSortedSet<K> keys = keysByTerm.get(term);
            return keys == null ? PersistentSortedSet.empty() : keys;
        }
    }

    // --- Map and SortedMap ---

    @Override
    public int size() {
        return AvlTree.size(root);
    }

    @Override
    public boolean isEmpty() {
        return root == null;
    }

    @Override
    public V get(Object key) {
        Node<K, V> node = AvlTree.find(root, key);
        return node == null ? null : node.value;
    }

    @Override
    public boolean containsKey(Object key) {
        return AvlTree.find(root, key) != null;
    }

    @Override
    public Comparator<? super K> comparator() {
        return null; // natural order
    }

    @Override
    public K firstKey() {
        return nonEmpty(AvlTree.first(root)).key;
    }

    @Override
    public K lastKey() {
        return nonEmpty(AvlTree.last(root)).key;
    }

    private static <K, V> Node<K, V> nonEmpty(Node<K, V> node) {
        if (node == null) {
            throw new NoSuchElementException("the map is empty");
        }
        return node;
    }

    /** A range is copied (into an unmodifiable {@code TreeMap}): nothing in the state reads ranges often. */
    @Override
    public SortedMap<K, V> subMap(K fromKey, K toKey) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(this).subMap(fromKey, toKey));
    }

    @Override
    public SortedMap<K, V> headMap(K toKey) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(this).headMap(toKey));
    }

    @Override
    public SortedMap<K, V> tailMap(K fromKey) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(this).tailMap(fromKey));
    }

    Node<K, V> root() {
        return root;
    }

    Iterable<Node<K, V>> nodes() {
        return () -> new AvlTree.InOrder<>(root);
    }

    /** The entries in key order, each seen as {@code part} of it: the entry, its key or its value. */
    private <T> Iterator<T> inOrder(Function<Node<K, V>, T> part) {
        Iterator<Node<K, V>> nodes = new AvlTree.InOrder<>(root);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return nodes.hasNext();
            }

            @Override
            public T next() {
                return part.apply(nodes.next());
            }
        };
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                return inOrder(node -> node);
            }

            @Override
            public int size() {
                return PersistentSortedMap.this.size();
            }

            @Override
            public boolean contains(Object o) {
                if (!(o instanceof Map.Entry<?, ?> entry) || entry.getKey() == null) {
                    return false;
                }
                Node<K, V> node = AvlTree.find(root, entry.getKey());
                return node != null && Objects.equals(node.value, entry.getValue());
            }
        };
    }

    @Override
    public Set<K> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<K> iterator() {
                return inOrder(node -> node.key);
            }

            @Override
            public int size() {
                return PersistentSortedMap.this.size();
            }

            @Override
            public boolean contains(Object o) {
                return o != null && containsKey(o);
            }
        };
    }

    @Override
    public Collection<V> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<V> iterator() {
                return inOrder(node -> node.value);
            }

            @Override
            public int size() {
                return PersistentSortedMap.this.size();
            }
        };
    }

    @Override
    public boolean equals(Object other) {
        if (other == this) {
            return true;
        }
        if (other instanceof PersistentSortedMap<?, ?> that) {
            if (that.root == root) {
                return true;
            }
            if (that.size() != size()) {
                return false;
            }
            Iterator<? extends Node<?, ?>> theirs = new AvlTree.InOrder<>(that.root);
            for (Node<K, V> mine : nodes()) {
                Node<?, ?> their = theirs.next();
                if (!mine.key.equals(their.key) || !Objects.equals(mine.value, their.value)) {
                    return false;
                }
            }
            return true;
        }
        return super.equals(other);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0 && root != null) {
            h = super.hashCode();
            hash = h;
        }
        return h;
    }
}
