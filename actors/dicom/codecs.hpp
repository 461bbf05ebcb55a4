#pragma once

// Process-wide DCMTK set-up: the decoders DicomImage needs for compressed
// pixel data, and DCMTK's own logger. Call both once at start-up, before any
// thread renders.

namespace xrv::dicom {

/// Registers DCMTK's JPEG, JPEG-LS and RLE decoders; thread-safe, and a
/// no-op while they are registered.
void register_codecs();

/// Deregisters the decoders `register_codecs` registered (shutdown); a later
/// `register_codecs` registers them again.
void cleanup_codecs();

/// Lowers DCMTK's logger (OFLog) to warnings and errors.
void configure_dcmtk_logging();

} // namespace xrv::dicom
