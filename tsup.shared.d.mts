import type { Options } from 'tsup';

/** The build every published package uses (see tsup.shared.mjs). */
export declare function packageBuildConfig(options?: { shims?: boolean; browserEntry?: string }): Options | Options[];
