// Compile-time proof that constants and limits are named by the schema's keys (checked by test/types.test.ts).
// Each @ts-expect-error line must fail to compile; if it compiled, tsc would report the unused directive.
import { CONST, CONST_FIRST_RELEASE, DMOP, HVMOP, limitAt, limitEntries } from '../../src/index.js';

const self: 0x7ff0 = CONST.domid.self;
const ready: 1 = CONST.ioreq_state.ready;
const since: '4.11' = CONST_FIRST_RELEASE.get_info_flags.no_gfns;
limitAt('maxDmopBufs', '4.9');
limitEntries('hvmopOpMask');
const getInfo: 2 = DMOP.get_ioreq_server_info.value;
const getMemType: 15 = HVMOP.get_mem_type.value;

// @ts-expect-error a member the group does not have
void CONST.domid.selff;
// @ts-expect-error a group the schema does not have
void CONST.ioreq_states;
// @ts-expect-error each constant is a literal type, not a number
const wrong: 2 = CONST.ioreq_state.ready;
// @ts-expect-error a misspelt limit id
limitAt('maxDmopBuf', '4.9');
// @ts-expect-error a misspelt limit id
limitEntries('hvmopOpmask');
// @ts-expect-error a misspelt DM op
void DMOP.get_ioreq_server_inf;
// @ts-expect-error an HVMOP name that is a DM op's only
void HVMOP.nr_vcpus;

export { self, ready, since, wrong, getInfo, getMemType };
