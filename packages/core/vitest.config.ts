import { packageTestConfig } from '../../vitest.shared';

export default packageTestConfig('@ait/core');
