// @ts-check
// The form generator with every widget registered. The editor imports
// forms from here; a module that replaces a widget registers it after
// these (registerWidget).

import './widgets/text.js';
import './widgets/number.js';
import './widgets/boolean.js';
import './widgets/select.js';
import './widgets/code.js';
import './widgets/secret.js';
import './widgets/kv.js';
import './widgets/list.js';
import './widgets/object.js';
import './widgets/auth.js';
import './widgets/json.js';
import './widgets/schedule.js';
import './widgets/workflow-ref.js';
import './widgets/condition.js';
import './widgets/mapper.js';
import './widgets/app.js';

export { renderFields, renderField, fieldContext, joinPath, hostWith } from './form.js';
export { registerWidget, widgetFor } from './registry.js';
