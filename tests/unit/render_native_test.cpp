// The pure parts of the rendering's fast path: area reduction
// (actors/dicom/area_reduce) and the grey-scale display (actors/dicom/voi),
// on small hand-computed images.

#include "actors/dicom/area_reduce.hpp"
#include "actors/dicom/voi.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace {

using samples = std::vector<std::uint16_t>;
using xrv::dicom::area_reduce;
using xrv::dicom::area_reducer;
using xrv::dicom::linear_modality;
using xrv::dicom::voi_window;

std::array<std::uint8_t, 256> identity_gamma() {
  std::array<std::uint8_t, 256> lut{};
  std::iota(lut.begin(), lut.end(), 0);
  return lut;
}

TEST(AreaReduce, HalvingAveragesEachBlockRoundingHalfUp) {
  const samples src{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  // (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, 11.5, 13.5.
  EXPECT_EQ(area_reduce(src, 4, 4, 2, 2), (samples{4, 6, 12, 14}));
}

TEST(AreaReduce, FractionalFootprintsAreWeightedByArea) {
  // Three columns into two: output 0 covers column 0 and half of column 1.
  // (0*2 + 30*1) / 3 = 10 and (30*1 + 60*2) / 3 = 50.
  EXPECT_EQ(area_reduce(samples{0, 30, 60}, 3, 1, 2, 1), (samples{10, 50}));
  // The same down a one-pixel-wide image: five rows into two.
  // (10*2 + 20*2 + 30*1) / 5 = 18, (30*1 + 40*2 + 50*2) / 5 = 42.
  EXPECT_EQ(area_reduce(samples{10, 20, 30, 40, 50}, 1, 5, 1, 2),
            (samples{18, 42}));
  // Both ways at once, 3x3 into 2x2: the centre sample counts a quarter in
  // each output, the edge ones a half, the corners whole.
  const samples grid{0, 0, 0, 0, 90, 0, 0, 0, 0};
  EXPECT_EQ(area_reduce(grid, 3, 3, 2, 2), (samples{10, 10, 10, 10}));
}

TEST(AreaReduce, OddSizesKeepAFlatImageFlatAndStayInRange) {
  for (const auto& [w, h, dw, dh] : std::to_array<std::array<int, 4>>(
         {{7, 5, 3, 2}, {13, 1, 4, 1}, {1, 13, 1, 5}, {99, 37, 10, 9}})) {
    const samples flat(static_cast<std::size_t>(w * h), 4095);
    EXPECT_EQ(area_reduce(flat, w, h, dw, dh),
              samples(static_cast<std::size_t>(dw * dh), 4095))
      << w << "x" << h;
    samples ramp(static_cast<std::size_t>(w * h));
    std::iota(ramp.begin(), ramp.end(), std::uint16_t{100});
    const auto out = area_reduce(ramp, w, h, dw, dh);
    ASSERT_EQ(out.size(), static_cast<std::size_t>(dw * dh));
    for (const auto v : out) {
      EXPECT_GE(v, 100);
      EXPECT_LE(v, 100 + w * h - 1);
    }
    // A ramp along the rows rises from left to right after reduction too.
    for (int y = 0; y < dh; ++y)
      for (int x = 1; x < dw; ++x)
        EXPECT_LT(out[static_cast<std::size_t>(y * dw + x - 1)],
                  out[static_cast<std::size_t>(y * dw + x)]);
  }
}

TEST(AreaReduce, SameSizeIsTheIdentityAndOnePixelIsTheMean) {
  const samples src{5, 0, 65535, 7, 1, 2};
  EXPECT_EQ(area_reduce(src, 3, 2, 3, 2), src);
  EXPECT_EQ(area_reduce(src, 6, 1, 6, 1), src);
  // (5 + 0 + 65535 + 7 + 1 + 2) / 6 = 10925.
  EXPECT_EQ(area_reduce(src, 3, 2, 1, 1), (samples{10925}));
  EXPECT_EQ(area_reduce(samples{42}, 1, 1, 1, 1), (samples{42}));
}

// The definition, in exact integers: every source sample times the area it
// shares with the output sample, over the output's area, rounded half up.
samples brute_force_reduce(const samples& src, int w, int h, int dw, int dh) {
  const auto overlap = [](std::uint64_t a0, std::uint64_t a1, std::uint64_t b0,
                          std::uint64_t b1) {
    const auto lo = std::max(a0, b0);
    const auto hi = std::min(a1, b1);
    return hi > lo ? hi - lo : 0;
  };
  const auto W = static_cast<std::uint64_t>(w);
  const auto H = static_cast<std::uint64_t>(h);
  const auto DW = static_cast<std::uint64_t>(dw);
  const auto DH = static_cast<std::uint64_t>(dh);
  const std::uint64_t total = W * H;
  samples out;
  for (std::uint64_t i = 0; i < DH; ++i)
    for (std::uint64_t j = 0; j < DW; ++j) {
      std::uint64_t sum = 0;
      for (std::uint64_t y = 0; y < H; ++y)
        for (std::uint64_t x = 0; x < W; ++x)
          sum += src[y * W + x]
                 * overlap(y * DH, (y + 1) * DH, i * H, (i + 1) * H)
                 * overlap(x * DW, (x + 1) * DW, j * W, (j + 1) * W);
      out.push_back(
        static_cast<std::uint16_t>((2 * sum + total) / (2 * total)));
    }
  return out;
}

TEST(AreaReduce, MatchesTheExactDefinitionOnRandomImages) {
  // Small values make many exact ties (k + 1/2), large ones test the range.
  std::mt19937 rng{20261124};
  for (int round = 0; round < 300; ++round) {
    const int w = std::uniform_int_distribution{1, 40}(rng);
    const int h = std::uniform_int_distribution{1, 30}(rng);
    const int dw = std::uniform_int_distribution{1, w}(rng);
    const int dh = std::uniform_int_distribution{1, h}(rng);
    const int top = round % 3 == 0 ? 3 : round % 3 == 1 ? 4095 : 65535;
    samples src(static_cast<std::size_t>(w * h));
    for (auto& v : src)
      v = static_cast<std::uint16_t>(
        std::uniform_int_distribution{0, top}(rng));
    ASSERT_EQ(area_reduce(src, w, h, dw, dh),
              brute_force_reduce(src, w, h, dw, dh))
      << w << "x" << h << " -> " << dw << "x" << dh << ", values to " << top;
  }
}

TEST(AreaReduce, TheRadiographSizeMatchesTheExactDefinition) {
  // The bench's and a typical detector's size, 2500x2000 -> 896x716, on a
  // 12-bit pattern: only the first output rows and columns are brute-forced.
  const int w = 2500;
  const int h = 2000;
  samples src(static_cast<std::size_t>(w) * h);
  for (std::size_t i = 0; i < src.size(); ++i)
    src[i] = static_cast<std::uint16_t>((i * 2654435761U) >> 20 & 0xFFF);
  const auto out = area_reduce(src, w, h, 896, 716);
  ASSERT_EQ(out.size(), 896U * 716U);
  // 90 outputs of the top-left corner against the definition over the
  // source samples under each.
  const auto W = static_cast<std::uint64_t>(w);
  const auto H = static_cast<std::uint64_t>(h);
  for (std::uint64_t i = 0; i < 9; ++i)
    for (std::uint64_t j = 0; j < 10; ++j) {
      std::uint64_t sum = 0;
      for (std::uint64_t y = i * H / 716; y <= ((i + 1) * H - 1) / 716; ++y)
        for (std::uint64_t x = j * W / 896; x <= ((j + 1) * W - 1) / 896; ++x) {
          const auto wy
            = std::min((y + 1) * 716, (i + 1) * H) - std::max(y * 716, i * H);
          const auto wx
            = std::min((x + 1) * 896, (j + 1) * W) - std::max(x * 896, j * W);
          sum += src[y * W + x] * wy * wx;
        }
      EXPECT_EQ(out[i * 896 + j], (2 * sum + W * H) / (2 * W * H))
        << "output " << i << "," << j;
    }
}

TEST(AreaReduce, StoredBitsAreMaskedAndSignedValuesShifted) {
  // 12 bits stored: the top nibble (an overlay, say) is ignored.
  const samples dirty{0xF000 | 100, 0xA000 | 300};
  EXPECT_EQ(area_reduce(dirty, 2, 1, 1, 1, {0x0FFF, 0}), (samples{200}));
  // 12-bit two's complement: -1 and +1 become 2047 and 2049 (sign flipped).
  const samples sign{0x0FFF, 0x0001};
  EXPECT_EQ(area_reduce(sign, 2, 1, 2, 1, {0x0FFF, 0x0800}),
            (samples{0x07FF, 0x0801}));
  EXPECT_EQ(area_reduce(sign, 2, 1, 1, 1, {0x0FFF, 0x0800}), (samples{0x0800}));
}

TEST(AreaReduce, FullScaleTallColumnDoesNotOverflow) {
  // The column sums reach 65535 * 65535, just under 2^32.
  const samples tall(65535, 65535);
  EXPECT_EQ(area_reduce(tall, 1, 65535, 1, 1), (samples{65535}));
  EXPECT_EQ(area_reduce(tall, 1, 65535, 1, 3), (samples{65535, 65535, 65535}));
}

TEST(AreaReduce, BandsOfAnySizeGiveTheOneShotResult) {
  const int w = 23;
  const int h = 17;
  samples src(static_cast<std::size_t>(w * h));
  for (std::size_t i = 0; i < src.size(); ++i)
    src[i] = static_cast<std::uint16_t>((i * 7919U) % 4096U);
  const auto whole = area_reduce(src, w, h, 6, 5);
  ASSERT_EQ(whole.size(), 30U);
  for (const int band : {1, 2, 5, 16, 17}) {
    area_reducer reducer{w, h, 6, 5};
    ASSERT_TRUE(reducer.valid());
    for (int row = 0; row < h; row += band) {
      EXPECT_FALSE(reducer.complete());
      const auto n = static_cast<std::size_t>(std::min(band, h - row) * w);
      reducer.add_rows(
        std::span{src}.subspan(static_cast<std::size_t>(row * w), n));
    }
    EXPECT_TRUE(reducer.complete());
    EXPECT_EQ(reducer.take(), whole) << "band " << band;
  }
}

TEST(AreaReduce, ImpossibleSizesAndIncompleteInputGiveNothing) {
  const samples src(12, 1);
  EXPECT_TRUE(area_reduce(src, 4, 3, 5, 3).empty()); // no enlarging
  EXPECT_TRUE(area_reduce(src, 4, 3, 0, 1).empty());
  EXPECT_TRUE(area_reduce(src, 4, 4, 2, 2).empty()); // src too short
  EXPECT_FALSE((area_reducer{4, 3, 4, 4}.valid()));
  area_reducer partial{4, 3, 2, 1};
  partial.add_rows(std::span{src}.first(8));
  EXPECT_FALSE(partial.complete());
  EXPECT_TRUE(partial.take().empty());
}

TEST(HistogramWindow, ClipsTheFirstAndLastPercentLikeDcmtk) {
  samples ramp(100);
  std::iota(ramp.begin(), ramp.end(), std::uint16_t{0});
  // 1 % of 100 = 1 sample: DCMTK's bounds are 1 and 99; its window spans
  // them inclusively (suppl. 33: center (lo + hi + 1) / 2, width hi-lo+1).
  const auto w = xrv::dicom::histogram_window(ramp, 0.01, {});
  ASSERT_TRUE(w.has_value());
  EXPECT_DOUBLE_EQ(w->center, 50.5);
  EXPECT_DOUBLE_EQ(w->width, 99);
  // In modality values: slope 2, intercept -10 map 1 -> -8 and 99 -> 188.
  const auto m = xrv::dicom::histogram_window(ramp, 0.01, {2, -10, 0});
  ASSERT_TRUE(m.has_value());
  EXPECT_DOUBLE_EQ(m->center, 90.5);
  EXPECT_DOUBLE_EQ(m->width, 197);
  // Signed samples are offset: sample 0 is the value -50.
  const auto s = xrv::dicom::histogram_window(ramp, 0.01, {1, 0, 50});
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->center, 0.5);
}

TEST(HistogramWindow, FlatOrNearlyTwoValuedImagesHaveNone) {
  EXPECT_FALSE(xrv::dicom::histogram_window(samples(50, 7), 0.01, {}));
  EXPECT_FALSE(xrv::dicom::histogram_window(samples{}, 0.01, {}));
  samples mostly_zero(1000, 0);
  std::fill_n(mostly_zero.begin(), 5, 1); // 0.5 %: clipped away
  EXPECT_FALSE(xrv::dicom::histogram_window(mostly_zero, 0.01, {}));
}

TEST(DisplayLut, LinearWindowAsDcmtkTruncates) {
  // Center 2048, width 4096 over 12 bits: out = trunc(v * 255 / 4095).
  const auto lut = xrv::dicom::display_lut(0, 4095, {}, voi_window{2048, 4096},
                                           false, identity_gamma());
  ASSERT_EQ(lut.size(), 4096U);
  EXPECT_EQ(lut[0], 0);
  EXPECT_EQ(lut[16], 0);     // 0.996
  EXPECT_EQ(lut[17], 1);     // 1.06
  EXPECT_EQ(lut[2048], 127); // 127.53
  EXPECT_EQ(lut[4095], 255);
  // Narrow window: everything at or below center - 0.5 is black.
  const auto step = xrv::dicom::display_lut(98, 101, {}, voi_window{100, 1},
                                            false, identity_gamma());
  EXPECT_EQ(step, (std::vector<std::uint8_t>{0, 0, 255, 255}));
}

TEST(DisplayLut, InverseShowsMonochrome1BoneBright) {
  const auto lut = xrv::dicom::display_lut(0, 4095, {}, voi_window{2048, 4096},
                                           true, identity_gamma());
  ASSERT_EQ(lut.size(), 4096U);
  EXPECT_EQ(lut[0], 255);
  EXPECT_EQ(lut[2048], 127); // 255 - 127.53 = 127.47
  EXPECT_EQ(lut[4095], 0);
  for (std::size_t v = 1; v < lut.size(); ++v)
    ASSERT_LE(lut[v], lut[v - 1]) << v;
}

TEST(DisplayLut, ModalityThenWindowThenGamma) {
  // Stored 0..4 with slope 10, intercept -20: values -20, -10, 0, 10, 20;
  // center 0, width 41: ((v + 0.5) / 40 + 0.5) * 255 truncated, 255 above
  // the right border 19.5.
  auto gamma = identity_gamma();
  gamma[130] = 200; // a recognisable table entry
  const auto lut = xrv::dicom::display_lut(0, 4, {10, -20, 0},
                                           voi_window{0, 41}, false, gamma);
  EXPECT_EQ(lut, (std::vector<std::uint8_t>{3, 66, 200, 194, 255}));
  EXPECT_TRUE(
    xrv::dicom::display_lut(0, 4, {}, voi_window{2, 0.5}, false, gamma)
      .empty());
  EXPECT_TRUE(
    xrv::dicom::display_lut(5, 4, {}, voi_window{2, 10}, false, gamma).empty());
}

TEST(ToDisplay, MapsEverySampleThroughTheTable) {
  const samples image{4095, 0, 2048, 17};
  EXPECT_EQ(xrv::dicom::to_display(image, {}, voi_window{2048, 4096}, false,
                                   identity_gamma()),
            (std::vector<std::uint8_t>{255, 0, 127, 1}));
  EXPECT_EQ(xrv::dicom::to_display(image, {}, voi_window{2048, 4096}, true,
                                   identity_gamma()),
            (std::vector<std::uint8_t>{0, 255, 127, 253}));
}

} // namespace
