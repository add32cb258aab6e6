import { transpose2d } from '../packages/backend/dist/index.js';
