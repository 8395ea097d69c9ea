// The few parts of the WebGPU API that @ait/core touches itself, as structural types, so that its
// public declarations need neither @webgpu/types nor the DOM library (tfjs-backend-webgpu does the
// rest with the real objects).

/** What a WebGPU adapter says about itself (`GPUAdapter.info`); every field may be missing. */
export interface WebGpuAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  /** Newer browsers and Dawn report this here rather than on the adapter. */
  readonly isFallbackAdapter?: boolean;
  /** Some implementations say `cpu` for an adapter that computes on the CPU. */
  readonly type?: string;
}

/** A WebGPU adapter (`GPUAdapter`), as far as @ait/core reads it. */
export interface WebGpuAdapter {
  readonly info?: WebGpuAdapterInfo;
  /** Older browsers report a software adapter here. */
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  requestDevice(descriptor?: object): Promise<unknown>;
}

/** Options of `GPU.requestAdapter`. */
export interface WebGpuAdapterOptions {
  powerPreference?: 'low-power' | 'high-performance';
  forceFallbackAdapter?: boolean;
}

/** The WebGPU entry point (`navigator.gpu`), as far as @ait/core calls it. */
export interface WebGpuEntry {
  requestAdapter(options?: WebGpuAdapterOptions): Promise<WebGpuAdapter | null>;
}

/** How a device was lost (`GPUDevice.lost`'s value). */
export interface WebGpuDeviceLostInfo {
  /** `destroyed` (on purpose) or `unknown` (driver reset, out of memory, GPU removed, ...). */
  readonly reason: string;
  readonly message: string;
}

/** A WebGPU device (`GPUDevice`), as far as @ait/core watches it. */
export interface WebGpuDevice {
  readonly lost: Promise<WebGpuDeviceLostInfo>;
  addEventListener?(
    type: 'uncapturederror',
    listener: (event: { error: { message: string; constructor: { name: string } } }) => void,
  ): void;
  destroy(): void;
}
