package dev.custody.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.rules.Kernel;
import dev.custody.rules.Tx;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything about one operation, said once: its scenario name, who makes it, its command and reply
 * types, its arguments and how they are read from and written to a scenario step, the rule that
 * decides it, how the oracle's guest agent performs it and reads its answer back, and how a generator
 * makes a plausible call.
 */
public final class Operation<C extends Command<?>> {

    /** Reads the command from a validated step. */
    @FunctionalInterface
    public interface Reader<C> {
        C read(StepReader step);
    }

    /** Writes the command's arguments (the op name is written already). */
    @FunctionalInterface
    public interface Writer<C> {
        void write(C command, StepWriter step);
    }

    /** One line of the guest agent's script, without the step number. */
    @FunctionalInterface
    public interface AgentLine<C> {
        String line(C command, AgentContext agent) throws NotRealisable;
    }

    /** Writes the step's value from what the guest agent printed for it, as the engine's value is written. */
    @FunctionalInterface
    public interface AgentValue<C> {
        void read(C command, AgentReply reply, ObjectNode value);
    }

    /** A plausible call, its arguments drawn from {@code draw}. */
    @FunctionalInterface
    public interface Generator<C> {
        C generate(Draw draw);
    }

    private final String name;
    private final Caller caller;
    private final Class<C> command;
    private final Class<? extends Reply> reply;
    private final List<Arg> args;
    private final Kernel.Rule<C> rule;
    private final Reader<C> reader;
    private final Writer<C> writer;
    private final Optional<AgentLine<C>> agent;
    private final Optional<AgentValue<C>> agentValue;
    private final Optional<Generator<C>> generator;

    private Operation(Builder<C> b) {
        this.name = b.name;
        this.caller = b.caller;
        this.command = b.command;
        this.reply = b.reply;
        this.args = List.copyOf(b.args);
        this.rule = Objects.requireNonNull(b.rule, () -> b.name + " has no rule");
        this.reader = Objects.requireNonNull(b.reader, () -> b.name + " has no reader");
        this.writer = Objects.requireNonNull(b.writer, () -> b.name + " has no writer");
        this.agent = Optional.ofNullable(b.agent);
        this.agentValue = Optional.ofNullable(b.agentValue);
        this.generator = Optional.ofNullable(b.generator);
        if (caller == Caller.USER_SPACE && agent.isEmpty()) {
            throw new IllegalStateException(
                    name + " is made from user space, so the guest agent must be able to make it");
        }
    }

    /** Starts the description of an operation. */
    public static <R extends Reply, C extends Command<R>> Builder<C> define(
            String name, Caller caller, Class<C> command, Class<R> reply) {
        return new Builder<>(name, caller, command, reply);
    }

    public String name() {
        return name;
    }

    public Caller caller() {
        return caller;
    }

    public Class<C> command() {
        return command;
    }

    public Class<? extends Reply> reply() {
        return reply;
    }

    public List<Arg> args() {
        return args;
    }

    public Optional<Arg> arg(String field) {
        return args.stream().filter(a -> a.name().equals(field)).findFirst();
    }

    public boolean generates() {
        return generator.isPresent();
    }

    /** Reads this operation's command from a validated step, resolving object names through {@code names}. */
    public C read(int stepNumber, ObjectNode step, Map<String, Handle> names) {
        return reader.read(new StepReader(name, stepNumber, step, names));
    }

    /** The command as a scenario step of this operation; objects are named by {@code namer}. */
    public ObjectNode write(Command<?> command, Function<Handle, JsonNode> namer) {
        StepWriter step = new StepWriter(name, namer);
        writer.write(this.command.cast(command), step);
        return step.step();
    }

    /** The rule's answer, from the transaction's state. */
    public Outcome<Reply> decide(Tx tx, Command<?> command) {
        return rule.decide(tx, this.command.cast(command));
    }

    /** The guest agent's line for the command; in-kernel and harness calls are not realisable in a VM. */
    public String agentLine(Command<?> command, AgentContext context) throws NotRealisable {
        if (agent.isEmpty()) {
            throw new NotRealisable(
                    name + " is " + (caller == Caller.IN_KERNEL ? "an in-kernel call" : "a harness call")
                            + "; the guest agent does only what user space can do");
        }
        return agent.get().line(this.command.cast(command), context);
    }

    /** The step's value as the guest agent's answer gives it; empty for operations whose answer has no value. */
    public Optional<ObjectNode> agentValue(Command<?> command, AgentReply reply) {
        if (agentValue.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode value = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        agentValue.get().read(this.command.cast(command), reply, value);
        return Optional.of(value);
    }

    /** A call made up by this operation's generator. */
    public C generate(Draw draw) {
        return generator
                .orElseThrow(() -> new IllegalStateException(name + " has no generator"))
                .generate(draw);
    }

    @Override
    public String toString() {
        return name;
    }

    /** Collects the parts of one operation; {@link #build} checks that none is missing. */
    public static final class Builder<C extends Command<?>> {
        private final String name;
        private final Caller caller;
        private final Class<C> command;
        private final Class<? extends Reply> reply;
        private List<Arg> args = List.of();
        private Kernel.Rule<C> rule;
        private Reader<C> reader;
        private Writer<C> writer;
        private AgentLine<C> agent;
        private AgentValue<C> agentValue;
        private Generator<C> generator;

        private Builder(String name, Caller caller, Class<C> command, Class<? extends Reply> reply) {
            this.name = name;
            this.caller = caller;
            this.command = command;
            this.reply = reply;
        }

        public Builder<C> args(Arg... args) {
            this.args = List.of(args);
            return this;
        }

        public Builder<C> rule(Kernel.Rule<C> rule) {
            this.rule = rule;
            return this;
        }

        public Builder<C> read(Reader<C> reader) {
            this.reader = reader;
            return this;
        }

        public Builder<C> write(Writer<C> writer) {
            this.writer = writer;
            return this;
        }

        public Builder<C> agent(AgentLine<C> agent) {
            this.agent = agent;
            return this;
        }

        /** How the step's value is read from the agent's answer, for operations whose success has a value. */
        public Builder<C> agentValue(AgentValue<C> agentValue) {
            this.agentValue = agentValue;
            return this;
        }

        public Builder<C> generate(Generator<C> generator) {
            this.generator = generator;
            return this;
        }

        public Operation<C> build() {
            return new Operation<>(this);
        }
    }
}
