import { packageBuildConfig } from '../../tsup.shared.mjs';

export default packageBuildConfig();
