package dev.parasim.program;

import dev.parasim.program.schedule.Dependencies;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.plan.Axis;
import dev.parasim.plan.GroupSpan;
import dev.parasim.plan.RankLayout;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;

import java.util.ArrayList;
import java.util.List;

/**
 * A plan compiled into one optimizer step: per pipeline stage, the program its ranks run. Strategies and
 * schedules generate it ({@link #GENERATORS}, then {@link PipelineOrder} for the pass order); interpreters only
 * read it: the timeline plays it, {@link ProgramFold} folds it into bytes, memory and FLOPs, and the
 * accountant's closed forms must equal those folds.
 *
 * @param layout where the plan's ranks sit, which sizes every group
 */
public record StepProgram(ParallelPlan plan, RankLayout layout, int microBatches, PipelineSchedule schedule,
                          List<StageProgram> stages) {

    /** The generators, in the order their instructions take within a slot. */
    static final List<Generator> GENERATORS = List.of(new ModelWorkGenerator(), new PipelineGenerator(),
            new TensorParallelGenerator(), new DataParallelGenerator(), new ContextParallelGenerator(), new ExpertParallelGenerator());

    public StepProgram {
        stages = List.copyOf(stages);
    }

    /** {@return the step program of {@code plan} in {@code e}} */
    public static StepProgram of(Experiment e, ParallelPlan plan) {
        int p = plan.pp(), m = e.microBatches(plan), v = plan.chunks();
        PipelineSchedule schedule = effectiveSchedule(plan);
        List<List<PassRef>> orders = PipelineOrder.of(schedule, p, m, v);
        RankLayout layout = RankLayout.of(plan, e.cluster());
        List<StageProgram> stages = new ArrayList<>();
        for (int s = 0; s < p; s++) {
            GeneratorContext context = new GeneratorContext(e, plan, layout, s, m, schedule);
            StageBuilder builder = new StageBuilder(v);
            for (Generator g : GENERATORS) g.generate(context, builder);
            stages.add(builder.build(s, orders.get(s)));
        }
        return new StepProgram(plan, layout, m, schedule, stages);
    }

    /** {@return the schedule the passes follow: the plan's, or 1F1B's single-stage order without a pipeline} */
    public static PipelineSchedule effectiveSchedule(ParallelPlan plan) {
        return plan.pp() == 1 ? PipelineSchedule.ONE_F_ONE_B : plan.schedule();
    }

    /** {@return how a group of the plan sits on nodes (the embedding pair: stage 0's and the last stage's first ranks)} */
    public GroupSpan span(Group group) {
        return switch (group) {
            case TP -> layout.span(Axis.TP);
            case CP -> layout.span(Axis.CP);
            case DP -> layout.dataSpan();
            case EMBEDDING -> layout.node(layout.rank(0, 0, 0, 0)) != layout.node(layout.rank(0, 0, 0, plan.pp() - 1))
                    ? new GroupSpan(2, 1, 2) : new GroupSpan(2, 2, 1);
            case EP -> layout.span(Axis.EP);
            case EXPERT_DP -> layout.expertDataSpan();
        };
    }

    /** {@return ranks in a group of the plan (DP: the dp·cp ranks that share parameters)} */
    public int groupSize(Group group) {
        return switch (group) {
            case TP -> plan.tp();
            case CP -> plan.cp();
            case DP -> plan.dp() * plan.cp();
            case EMBEDDING -> 2;
            case EP -> plan.ep();
            case EXPERT_DP -> plan.edp();
        };
    }
}
