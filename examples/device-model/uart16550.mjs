/**
 * Enough of a 16550 UART for a guest's serial console, as QEMU's hw/char/serial.c models it: eight registers
 * at base … base+7 (THR/RBR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR; DLL/DLM when LCR.DLAB is set).
 * Transmission is instant: a byte written to THR goes to the transmit log and THR is empty again at once,
 * so LSR always reports THRE|TEMT. The only interrupt modelled is "THR empty" (IER bit 1): it is pending
 * when enabled and THR is empty, a read of IIR that reports it clears it (16550 datasheet), a write to THR
 * sets it again. The line is level-triggered; `irqLevel` is what the device drives onto its ISA IRQ.
 */
/** COM1. */
export const UART_BASE = 0x3f8n;
export const UART_REGISTERS = 8;

const IER_ETBEI = 0x02; // enable transmitter holding register empty interrupt
const IIR_NO_INT = 0x01;
const IIR_THRI = 0x02;
const LCR_DLAB = 0x80;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const MSR_DCD_DSR_CTS = 0xb0; // a terminal is present (QEMU's default modem status)

export class Uart16550 {
  ier = 0;
  lcr = 0;
  mcr = 0;
  scr = 0;
  dll = 0x0c; // 9600 baud, QEMU's reset divisor
  dlm = 0;
  /** THR-empty interrupt pending. */
  thrPending = false;
  /** Every byte the guest transmitted, in order. */
  transmitted = [];

  /** The level of the IRQ line: an enabled interrupt is pending. */
  get irqLevel() {
    return this.ier & IER_ETBEI && this.thrPending ? 1 : 0;
  }

  /** A guest read of register `offset` (0–7); one byte. */
  read(offset) {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        return dlab ? this.dll : 0; // RBR: nothing is ever received
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2: {
        const iir = this.irqLevel ? IIR_THRI : IIR_NO_INT;
        if (iir === IIR_THRI) this.thrPending = false; // reading IIR acknowledges THRE
        return iir;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return LSR_THRE | LSR_TEMT;
      case 6:
        return MSR_DCD_DSR_CTS;
      case 7:
        return this.scr;
      default:
        return 0xff;
    }
  }

  /** A guest write of one byte to register `offset` (0–7). */
  write(offset, value) {
    const byte = Number(value & 0xffn);
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) this.dll = byte;
        else {
          this.transmitted.push(byte);
          this.thrPending = true; // sent at once: THR empty again
        }
        return;
      case 1:
        if (dlab) this.dlm = byte;
        else {
          // Enabling ETBEI while THR is empty raises the interrupt at once (serial.c serial_ioport_write).
          if (byte & IER_ETBEI && !(this.ier & IER_ETBEI)) this.thrPending = true;
          this.ier = byte & 0x0f;
        }
        return;
      case 2:
        return; // FCR: no FIFOs modelled
      case 3:
        this.lcr = byte;
        return;
      case 4:
        this.mcr = byte & 0x1f;
        return;
      case 7:
        this.scr = byte;
        return;
      default:
        return; // LSR and MSR are read-only
    }
  }
}
