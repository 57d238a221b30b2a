// The packed weight layout shared by every kernel set (see `tk_pack` in TroupeKernels.h).

#include "common.h"

int tk_packable(int type) { return type == TK_Q8_0 || type == TK_Q4_0 || type == TK_Q4_1; }

size_t tk_packed_bytes(int type, int64_t rows, int64_t cols) {
    return (size_t)(rows / 8) * (size_t)(cols / 32) * (size_t)tk_group_bytes(type);
}

void tk_pack(int type, const void *src, size_t row_bytes, int64_t rows, int64_t cols, void *dst) {
    const int64_t nb = cols / 32;
    const int block_bytes = type == TK_Q8_0 ? 34 : type == TK_Q4_0 ? 18 : 20;
    const int header = type == TK_Q4_1 ? 32 : 16;  // d[8] (and m[8])
    uint8_t *out = (uint8_t *)dst;
    for (int64_t g = 0; g < rows / 8; g++) {
        for (int64_t b = 0; b < nb; b++, out += tk_group_bytes(type)) {
            uint8_t *weights = out + header;
            for (int r = 0; r < 8; r++) {
                const uint8_t *block = (const uint8_t *)src + (size_t)(8 * g + r) * row_bytes + (size_t)(b * block_bytes);
                memcpy(out + 2 * r, block, 2);                               // d
                if (type == TK_Q4_1) memcpy(out + 16 + 2 * r, block + 2, 2);  // m
                if (type == TK_Q8_0) {
                    for (int i = 0; i < 8; i++) memcpy(weights + 32 * i + 4 * r, block + 2 + 4 * i, 4);
                    continue;
                }
                // Elements 0…15 are the low nibbles of the 16 bytes, 16…31 the high ones.
                const uint8_t *qs = block + (type == TK_Q4_1 ? 4 : 2);
                uint8_t q[32];
                for (int j = 0; j < 16; j++) {
                    q[j] = qs[j] & 0xF;
                    q[j + 16] = qs[j] >> 4;
                }
                for (int i = 0; i < 4; i++)
                    for (int t = 0; t < 4; t++) weights[32 * i + 4 * r + t] = q[8 * i + t] | (uint8_t)(q[8 * i + 4 + t] << 4);
            }
        }
    }
}
