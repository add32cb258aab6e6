import { packageConfig } from '../../tooling/tsup';

export default packageConfig();
