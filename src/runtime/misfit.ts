// Values that do not fit a field's new type after a migration, counted per field with one example, and
// the one message both appliers (objects and columns) reject a transaction with.

import { ChangeRejection } from './errors.js';
import { type FieldPlan, type LayoutPlan, layoutDiagnostic, type MigrationEnv } from './layout-plan.js';
import { describeValue } from './value-fit.js';
import { plural } from './words.js';

interface Misfit {
  count: number;
  readonly example: unknown;
  readonly reason: string;
  readonly plan: FieldPlan;
}

/** Who the values belong to: live instances, or the rows of a store. */
export type Population = { readonly kind: 'instances'; readonly count: number } | { readonly kind: 'rows'; readonly count: number; readonly store: string };

export class Misfits {
  readonly #byKey = new Map<PropertyKey, Misfit>();

  get size(): number {
    return this.#byKey.size;
  }

  add(plan: FieldPlan, value: unknown, reason: string): void {
    const m = this.#byKey.get(plan.field.key);
    if (m) m.count++;
    else this.#byKey.set(plan.field.key, { count: 1, example: value, reason, plan });
  }

  /** The rejection naming every field with values that do not fit, how many, and one of them. */
  rejection(env: MigrationEnv, layout: LayoutPlan, population: Population): ChangeRejection {
    const step = layout.step;
    const messages = [...this.#byKey.values()].map((m) => {
      const { field, source } = m.plan;
      const to = field.decl.typeText || '(inferred)';
      const was = source.kind === 'retyped' || source.kind === 'renamed' ? source.from.decl.typeText || '(inferred)' : null;
      const types = was !== null && was !== to ? `\`${was}\` -> \`${to}\`` : `\`${to}\``;
      const verb = m.count === 1 ? 'does' : 'do';
      const who =
        population.kind === 'instances'
          ? `${plural(m.count, 'live value')} of ${population.count.toLocaleString('en-US')} ${verb}`
          : `${plural(m.count, 'value')} in the ${plural(population.count, 'row')} of ${population.store} ${verb}`;
      const forRows = population.kind === 'rows' ? ' (it runs for rows too)' : '';
      const fix = step.hook
        ? `make migrateInstance give ${field.name} a value of type ${to}`
        : `add static migrateInstance(instance, old) to ${step.identity.name} to convert them${forRows}, or keep the old type`;
      return {
        field,
        message: `${field.owner.name}.${field.name} ${types}: ${who} not fit (for example ${describeValue(m.example)}, which ${m.reason}); nothing was changed; ${fix}`,
      };
    });
    return new ChangeRejection(
      'migrate',
      messages.map((m) => layoutDiagnostic(env, step, m.field.owner, m.field.decl, m.message)),
    );
  }
}
