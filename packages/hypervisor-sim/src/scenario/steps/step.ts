/** The union of every step kind, told apart by `op`. */
import type { SetMemTypeStep, GetMemTypeStep, ModifiedMemoryStep, TrackDirtyVramStep } from './memory.js';
import type { CreateIoreqServerStep, GetIoreqServerInfoStep, IoRangeStep, SetIoreqServerStateStep, DestroyIoreqServerStep, MapMemTypeToIoreqServerStep } from './ioreq-server.js';
import type { SetPciIntxLevelStep, SetIsaIrqLevelStep, SetPciLinkRouteStep, InjectEventStep, InjectMsiStep, RemoteShutdownStep, RelocateMemoryStep, PinMemoryCacheattrStep, SetIrqLevelStep, NrVcpusStep } from './outside-model.js';
import type { GuestMemoryStep, GuestPortStep } from './guest.js';
import type { SeedP2mStep, InspectStep } from './control.js';
import type { RawDmOpStep, RawHvmOpStep } from './raw.js';

/** One operation of a scenario, by its Xen name without prefix. */
export type Step =
  | SetMemTypeStep
  | GetMemTypeStep
  | CreateIoreqServerStep
  | GetIoreqServerInfoStep
  | IoRangeStep
  | SetIoreqServerStateStep
  | DestroyIoreqServerStep
  | MapMemTypeToIoreqServerStep
  | ModifiedMemoryStep
  | TrackDirtyVramStep
  | SetPciIntxLevelStep
  | SetIsaIrqLevelStep
  | SetPciLinkRouteStep
  | InjectEventStep
  | InjectMsiStep
  | RemoteShutdownStep
  | RelocateMemoryStep
  | PinMemoryCacheattrStep
  | SetIrqLevelStep
  | NrVcpusStep
  | SeedP2mStep
  | GuestMemoryStep
  | GuestPortStep
  | RawDmOpStep
  | RawHvmOpStep
  | InspectStep;

/** The op name of any step, e.g. "set_mem_type" or "guest_read". */
export type StepOp = Step['op'];
