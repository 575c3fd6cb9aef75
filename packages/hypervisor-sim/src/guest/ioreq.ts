/** The device-model side of the ioreq path; the record and handler types live with the backend interface. */
import type { IoreqHandler } from '@xenmem/sim-protocol';

export type { IoreqHandler, IoreqRecord, IoreqTypeName } from '@xenmem/sim-protocol';

/** Answers every read with all ones of the access size, as a device model that knows nothing would. */
export const defaultIoreqHandler: IoreqHandler = () => undefined;
