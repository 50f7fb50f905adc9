// Every test process may point VIGIL_CONFIG_FILE at a configuration file, as `vigil local` does.
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';
import { readConfigFilesWith } from '../../functions/shared/runtime/config.js';

readConfigFilesWith(parseVigilConfig);
