"""Small in-repo name lists per locale (no network, no third-party name library).

Each entry is ``native|latin``: the name as written in its own script and a common Latin
transliteration (the same when the script is Latin).  ``FAMILY_FIRST`` locales write the
family name first.  Business, NPO, bank and government names are composed from word lists.
"""

from __future__ import annotations


def _pairs(s: str) -> tuple[tuple[str, str], ...]:
    out = []
    for tok in s.split(","):
        tok = tok.strip()
        if not tok:
            continue
        native, _, latin = tok.partition("|")
        out.append((native, latin or native))
    return tuple(out)


GIVEN: dict[str, tuple[tuple[str, str], ...]] = {
    "en": _pairs("James,Mary,John,Patricia,Robert,Jennifer,Michael,Linda,David,Susan,William,Karen,"
                 "Daniel,Emily,Matthew,Olivia,Andrew,Grace,Thomas,Chloe,Liam,Ava,Noah,Sophie,Jack,Ruby"),
    "es": _pairs("José,María,Juan,Guadalupe,Luis,Carmen,Carlos,Ana,Jorge,Sofía,Miguel,Valentina,"
                 "Alejandro,Camila,Diego,Fernanda,Javier,Lucía,Ricardo,Paula"),
    "zh": _pairs("伟|Wei,芳|Fang,娜|Na,敏|Min,静|Jing,丽|Li,强|Qiang,磊|Lei,军|Jun,洋|Yang,勇|Yong,"
                 "艳|Yan,杰|Jie,娟|Juan,涛|Tao,明|Ming,超|Chao,秀英|Xiuying,志强|Zhiqiang,建华|Jianhua,"
                 "家豪|Ka Ho,嘉欣|Ka Yan,志明|Chih-Ming,淑芬|Shu-Fen"),
    "ja": _pairs("翔|Sho,蓮|Ren,大翔|Hiroto,陽翔|Haruto,結衣|Yui,陽菜|Hina,美咲|Misaki,健|Ken,"
                 "直樹|Naoki,由美|Yumi,誠|Makoto,恵子|Keiko,大輔|Daisuke,彩|Aya,拓也|Takuya"),
    "ko": _pairs("민준|Min-jun,서연|Seo-yeon,지훈|Ji-hoon,지민|Ji-min,현우|Hyun-woo,수빈|Su-bin,"
                 "동현|Dong-hyun,은지|Eun-ji,성민|Sung-min,예진|Ye-jin,준호|Jun-ho,혜진|Hye-jin"),
    "ru": _pairs("Александр|Aleksandr,Дмитрий|Dmitry,Сергей|Sergei,Андрей|Andrei,Алексей|Alexei,"
                 "Иван|Ivan,Михаил|Mikhail,Ольга|Olga,Елена|Elena,Наталья|Natalya,Татьяна|Tatiana,"
                 "Анна|Anna,Мария|Maria,Екатерина|Ekaterina,Ирина|Irina"),
    "th": _pairs("สมชาย|Somchai,สมศักดิ์|Somsak,ประเสริฐ|Prasert,วิชัย|Wichai,สุนีย์|Sunee,"
                 "มาลี|Malee,นภา|Napa,กาญจนา|Kanchana,อนันต์|Anan,พรทิพย์|Pornthip,ธนพล|Thanaphon"),
    "vi": _pairs("Anh|Anh,Minh|Minh,Hùng|Hung,Dũng|Dung,Tuấn|Tuan,Lan|Lan,Hương|Huong,Linh|Linh,"
                 "Thảo|Thao,Ngọc|Ngoc,Phương|Phuong,Quang|Quang,Hải|Hai,Trang|Trang"),
    "ms": _pairs("Muhammad,Ahmad,Nur,Siti,Aisyah,Hafiz,Amirul,Farah,Nurul,Azman,Zulkifli,Aminah,"
                 "Haziq,Syafiq,Hidayah,Rizal"),
    "id": _pairs("Budi,Agus,Dewi,Sri,Andi,Rina,Eko,Putri,Wahyu,Siti,Joko,Indah,Rudi,Ayu,Hendra,Fitri"),
    "fil": _pairs("Juan,Maria,Jose,Ana,Mark,Kristine,John Paul,Jennifer,Angelo,Mary Grace,Rodel,"
                  "Jocelyn,Ramon,Lourdes,Arnel,Rowena"),
    "sg": _pairs("Wei Ming,Hui Min,Jun Jie,Xin Yi,Kumar,Priya,Muhammad,Nurul,Daniel,Rachel,Ravi,Siew Ling"),
    "in": _pairs("Rahul,Priya,Amit,Sunita,Rajesh,Anjali,Vikram,Deepa,Suresh,Kavita,Arjun,Lakshmi,"
                 "Rohan,Meena,Sanjay,Pooja,Rakib,Farhana,Bikash,Sita"),
    "ar": _pairs("محمد|Mohammed,أحمد|Ahmed,علي|Ali,عمر|Omar,خالد|Khaled,يوسف|Youssef,حسن|Hassan,"
                 "إبراهيم|Ibrahim,عبدالله|Abdullah,مصطفى|Mustafa,فاطمة|Fatima,عائشة|Aisha,مريم|Maryam,"
                 "زينب|Zainab,نور|Nour,سارة|Sara,ليلى|Layla,هدى|Huda"),
    "ps": _pairs("احمد|Ahmad,محمود|Mahmood,عبدالرحمن|Abdul Rahman,گل|Gul,نور|Noor,ظاهر|Zahir,"
                 "عمران|Imran,بلال|Bilal,فرید|Farid,شکیلا|Shakila,نسرین|Nasrin,زرغونه|Zarghona"),
    "so": _pairs("Abdi,Hodan,Mohamed,Amina,Abdullahi,Faadumo,Hassan,Halima,Yusuf,Sahra,Ibrahim,Asha,"
                 "Ahmed,Khadra,Mahad,Ifrah"),
    "tr": _pairs("Mehmet,Ayşe,Mustafa,Fatma,Ahmet,Emine,Ali,Hatice,Hüseyin,Zeynep,Murat,Elif,Emre,Merve"),
}

FAMILY: dict[str, tuple[tuple[str, str], ...]] = {
    "en": _pairs("Smith,Johnson,Williams,Brown,Jones,Miller,Davis,Wilson,Anderson,Taylor,Thomas,"
                 "Moore,Martin,Thompson,White,Harris,Clark,Lewis,Walker,Young,Kelly,Murphy,Campbell"),
    "es": _pairs("García,Hernández,Martínez,López,González,Rodríguez,Pérez,Sánchez,Ramírez,Flores,"
                 "Torres,Rivera,Gómez,Díaz,Vargas,Castillo,Rojas,Mendoza,Quispe"),
    "zh": _pairs("王|Wang,李|Li,张|Zhang,刘|Liu,陈|Chen,杨|Yang,黄|Huang,赵|Zhao,吴|Wu,周|Zhou,"
                 "徐|Xu,孙|Sun,马|Ma,朱|Zhu,胡|Hu,林|Lin,郭|Guo,何|He,陳|Chan,黃|Wong,張|Cheung"),
    "ja": _pairs("佐藤|Sato,鈴木|Suzuki,高橋|Takahashi,田中|Tanaka,伊藤|Ito,渡辺|Watanabe,山本|Yamamoto,"
                 "中村|Nakamura,小林|Kobayashi,加藤|Kato,吉田|Yoshida,山田|Yamada"),
    "ko": _pairs("김|Kim,이|Lee,박|Park,최|Choi,정|Jung,강|Kang,조|Cho,윤|Yoon,장|Jang,임|Lim,한|Han"),
    "ru": _pairs("Иванов|Ivanov,Смирнов|Smirnov,Кузнецов|Kuznetsov,Попов|Popov,Васильев|Vasiliev,"
                 "Петров|Petrov,Соколов|Sokolov,Михайлов|Mikhailov,Новиков|Novikov,Фёдоров|Fedorov,"
                 "Морозов|Morozov,Волков|Volkov"),
    "th": _pairs("สุขสวัสดิ์|Suksawat,แสงทอง|Saengthong,ศรีสุข|Srisuk,วงศ์ใหญ่|Wongyai,"
                 "บุญมา|Boonma,จันทร์เพ็ญ|Chanpen,ทองดี|Thongdee,พึ่งบุญ|Phuengboon,รัตนพันธ์|Rattanapan"),
    "vi": _pairs("Nguyễn|Nguyen,Trần|Tran,Lê|Le,Phạm|Pham,Hoàng|Hoang,Huỳnh|Huynh,Phan|Phan,"
                 "Vũ|Vu,Võ|Vo,Đặng|Dang,Bùi|Bui,Đỗ|Do"),
    "ms": _pairs("bin Abdullah,binti Ismail,bin Hassan,binti Ahmad,bin Osman,binti Yusof,bin Ibrahim,"
                 "bin Rahman,binti Salleh,bin Hamid"),
    "id": _pairs("Santoso,Wijaya,Saputra,Hidayat,Kusuma,Pratama,Siregar,Nasution,Gunawan,Setiawan,"
                 "Halim,Susanto"),
    "fil": _pairs("Santos,Reyes,Cruz,Bautista,Ocampo,Garcia,Mendoza,Torres,Tomas,Andrada,Castillo,"
                  "Villanueva,Ramos,Aquino,Dela Cruz"),
    "sg": _pairs("Tan,Lim,Lee,Ng,Ong,Wong,Goh,Chua,Koh,Teo,Rajan,Pillai,Abdullah,Fernandez"),
    "in": _pairs("Sharma,Patel,Singh,Kumar,Gupta,Reddy,Nair,Iyer,Das,Rao,Hossain,Rahman,Shrestha,"
                 "Perera,Fernando,Joshi"),
    "ar": _pairs("الحسن|Al-Hassan,العلي|Al-Ali,الأحمد|Al-Ahmad,السيد|Al-Sayed,الخطيب|Al-Khatib,"
                 "حداد|Haddad,منصور|Mansour,خليل|Khalil,عثمان|Othman,سليمان|Suleiman,الجبوري|Al-Jubouri,"
                 "العمري|Al-Omari,ناصر|Nasser,يوسف|Youssef"),
    "ps": _pairs("خان|Khan,احمدزی|Ahmadzai,یوسفزی|Yousafzai,صدیقی|Siddiqui,قریشی|Qureshi,"
                 "حیدری|Haidari,رحیمی|Rahimi,کریمی|Karimi,نوری|Noori,ملک|Malik"),
    "so": _pairs("Abdi,Mohamed,Hassan,Ali,Warsame,Farah,Yusuf,Osman,Jama,Nur,Omar,Aden,Hussein"),
    "tr": _pairs("Yılmaz,Kaya,Demir,Şahin,Çelik,Yıldız,Yıldırım,Öztürk,Aydın,Özdemir,Arslan,Doğan"),
}

FAMILY_FIRST: frozenset[str] = frozenset({"zh", "ja", "ko", "vi"})
#: Locales whose native spelling differs from the Latin one (they get ``alt_names``).
NON_LATIN: frozenset[str] = frozenset({"zh", "ja", "ko", "ru", "th", "ar", "ps", "vi"})

OCCUPATIONS: tuple[str, ...] = (
    "software engineer", "nurse", "teacher", "accountant", "sales associate", "driver",
    "construction worker", "domestic helper", "chef", "civil servant", "student", "retired",
    "doctor", "electrician", "shop owner", "farmer", "security guard", "consultant",
    "factory worker", "caregiver", "lawyer", "engineer", "seafarer", "hospitality staff",
)

#: Lines of business: (occupation text, cash intensive, mcc it sells under)
BUSINESS_LINES: tuple[tuple[str, bool, str], ...] = (
    ("restaurant", True, "5812"), ("convenience store", True, "5411"), ("car wash", True, "7542"),
    ("laundromat", True, "7211"), ("grocery wholesale", True, "5411"), ("hair salon", True, "7230"),
    ("petrol station", True, "5541"), ("market stall trading", True, "5499"),
    ("software services", False, "7372"), ("logistics and freight forwarding", False, "4214"),
    ("construction contractor", False, "1520"), ("import and export trading", False, "5099"),
    ("garment manufacturing", False, "5651"), ("electronics distribution", False, "5732"),
    ("property management", False, "6513"), ("medical clinic", False, "8011"),
    ("travel agency", False, "4722"), ("jewellery and precious stones", False, "5944"),
    ("used car dealer", True, "5521"), ("accounting services", False, "8931"),
    ("hotel", False, "7011"), ("seafood processing", False, "5146"),
)

BUSINESS_WORDS_A: tuple[str, ...] = (
    "Pacific", "Golden", "Silver", "Harbour", "Lotus", "Eagle", "Summit", "Evergreen", "Orient",
    "Coral", "Apex", "Jade", "Sunrise", "Blue Ocean", "Red River", "Great Wall", "Andes",
    "Meridian", "Crescent", "Southern Cross", "Northstar", "Bamboo", "Maple", "Pearl",
)
BUSINESS_WORDS_B: tuple[str, ...] = (
    "Trading", "Holdings", "Logistics", "Foods", "Enterprises", "Industries", "Supplies",
    "Services", "Imports", "Textiles", "Electronics", "Ventures", "Resources", "Development",
)
LEGAL_SUFFIX: dict[str, str] = {
    "US": "LLC", "CA": "Inc.", "MX": "S.A. de C.V.", "CL": "SpA", "PE": "S.A.C.", "AU": "Pty Ltd",
    "NZ": "Ltd", "PG": "Ltd", "CN": "Co., Ltd.", "HK": "Limited", "TW": "Co., Ltd.", "JP": "K.K.",
    "KR": "Co., Ltd.", "RU": "OOO", "SG": "Pte. Ltd.", "MY": "Sdn. Bhd.", "BN": "Sdn. Bhd.",
    "ID": "PT", "PH": "Inc.", "TH": "Co., Ltd.", "VN": "JSC",
}
NPO_WORDS: tuple[str, ...] = (
    "Hope", "Mercy", "Relief", "Light", "Unity", "Care", "Harvest", "Bridge", "Compass", "Open Hands",
    "Future", "Shelter", "Crescent", "Horizon", "Kindred",
)
NPO_KINDS: dict[str, tuple[str, ...]] = {
    "humanitarian": ("Relief Foundation", "Aid Society", "Humanitarian Trust"),
    "religious": ("Mosque Association", "Church Fellowship", "Temple Society", "Faith Trust"),
    "education": ("Education Fund", "Scholarship Foundation", "Learning Trust"),
    "health": ("Health Alliance", "Medical Mission", "Clinic Foundation"),
    "cultural": ("Cultural Centre", "Heritage Society"),
    "social": ("Community Association", "Welfare Society", "Youth Club"),
    "other": ("Foundation", "Association"),
}
BANK_WORDS: tuple[str, ...] = (
    "Commonwealth", "United", "Pacific", "National", "Metropolitan", "Overseas", "Harbour",
    "Citizens", "Eastern", "Royal",
)
MSB_WORDS: tuple[str, ...] = ("Remit", "Money Express", "FX Exchange", "Cash Transfer", "Xpress Remit")
