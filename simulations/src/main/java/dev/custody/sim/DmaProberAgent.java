package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Asks which physical address a group's current domain gives an IOVA, the way a device's DMA would
 * be translated. What the answer may be is checked for every group after every event
 * ({@link Reachability}); the prober's calls exercise the lookup path itself under the race.
 */
final class DmaProberAgent implements Agent {
    private final Random random;
    private final Supplier<KernelState> state;

    DmaProberAgent(long seed, Supplier<KernelState> state) {
        this.random = new Random(seed);
        this.state = state;
    }

    @Override
    public String name() {
        return "dma-prober";
    }

    @Override
    public Command<?> next() {
        KernelState now = state.get();
        int groups = now.groups().size();
        long iova = 0x200000L * random.nextInt(16) + 0x1000L * random.nextInt(4);
        if (groups == 0) {
            return new Command.IovaToPhys(new Handle.Number(-1), iova);
        }
        // the domain of a group picked at random, by position in group order (O(log n), not a list of all)
        return new Command.IovaToPhys(
                new Handle.Domain(now.groupAt(random.nextInt(groups)).domain()), iova);
    }

    @Override
    public void observe(Command<?> command, Outcome<Reply> outcome) {
        // the prober only asks; Reachability judges every group after every event
    }
}
