// Subdivision → IANA zone for countries whose regions keep different clocks. A region split between zones
// gets the zone most of its people live by (Florida: Eastern; Texas: Central). Keys are the ISO 3166-2 code
// without its country prefix, plus older codes forms still send (PQ, CDMX), and English and local names as
// regionKey() folds them. Where only a few regions differ (Spain, Portugal, Ecuador…), only those are
// listed: the rest take the country's zone from COUNTRY_ZONES.

/** A region name as the tables key it: lower case, accents and punctuation dropped ('Québec' → 'quebec'). */
export function regionKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Space-separated subdivision codes ('' for none), the zone, then the names the region goes by. */
type Region = readonly [codes: string, zone: string, ...names: string[]];

function regions(list: readonly Region[]): Readonly<Record<string, string>> {
  const table: Record<string, string> = {};
  const add = (key: string, zone: string) => {
    // A key claimed by two zones is a slip in the data below: failing on load beats choosing silently.
    if (Object.hasOwn(table, key) && table[key] !== zone)
      throw new Error(`region key '${key}' maps to both ${table[key]} and ${zone}`);
    table[key] = zone;
  };
  for (const [codes, zone, ...names] of list) {
    for (const code of codes.split(' ').filter(Boolean)) add(code, zone);
    for (const name of names) add(regionKey(name), zone);
  }
  return table;
}

const EASTERN = 'America/New_York';
const CENTRAL = 'America/Chicago';
const MOUNTAIN = 'America/Denver';
const PACIFIC = 'America/Los_Angeles';
const MEXICO_CITY = 'America/Mexico_City';
const SAO_PAULO = 'America/Sao_Paulo';
const FORTALEZA = 'America/Fortaleza';
const MOSCOW = 'Europe/Moscow';
const YEKATERINBURG = 'Asia/Yekaterinburg';
const KRASNOYARSK = 'Asia/Krasnoyarsk';
const JAKARTA = 'Asia/Jakarta';
const MAKASSAR = 'Asia/Makassar';
const JAYAPURA = 'Asia/Jayapura';
const ALMATY = 'Asia/Almaty';
const ULAANBAATAR = 'Asia/Ulaanbaatar';
const KINSHASA = 'Africa/Kinshasa';
const LUBUMBASHI = 'Africa/Lubumbashi';

const US = regions([
  ['AL', CENTRAL, 'Alabama'],
  ['AK', 'America/Anchorage', 'Alaska'],
  ['AZ', 'America/Phoenix', 'Arizona'],
  ['AR', CENTRAL, 'Arkansas'],
  ['CA', PACIFIC, 'California'],
  ['CO', MOUNTAIN, 'Colorado'],
  ['CT', EASTERN, 'Connecticut'],
  ['DE', EASTERN, 'Delaware'],
  ['DC', EASTERN, 'District of Columbia', 'Washington DC', 'Washington D.C.'],
  ['FL', EASTERN, 'Florida'],
  ['GA', EASTERN, 'Georgia'],
  ['HI', 'Pacific/Honolulu', 'Hawaii', 'Hawaiʻi'],
  ['ID', 'America/Boise', 'Idaho'],
  ['IL', CENTRAL, 'Illinois'],
  ['IN', 'America/Indiana/Indianapolis', 'Indiana'],
  ['IA', CENTRAL, 'Iowa'],
  ['KS', CENTRAL, 'Kansas'],
  ['KY', 'America/Kentucky/Louisville', 'Kentucky'],
  ['LA', CENTRAL, 'Louisiana'],
  ['ME', EASTERN, 'Maine'],
  ['MD', EASTERN, 'Maryland'],
  ['MA', EASTERN, 'Massachusetts'],
  ['MI', 'America/Detroit', 'Michigan'],
  ['MN', CENTRAL, 'Minnesota'],
  ['MS', CENTRAL, 'Mississippi'],
  ['MO', CENTRAL, 'Missouri'],
  ['MT', MOUNTAIN, 'Montana'],
  ['NE', CENTRAL, 'Nebraska'],
  ['NV', PACIFIC, 'Nevada'],
  ['NH', EASTERN, 'New Hampshire'],
  ['NJ', EASTERN, 'New Jersey'],
  ['NM', MOUNTAIN, 'New Mexico'],
  ['NY', EASTERN, 'New York'],
  ['NC', EASTERN, 'North Carolina'],
  ['ND', CENTRAL, 'North Dakota'],
  ['OH', EASTERN, 'Ohio'],
  ['OK', CENTRAL, 'Oklahoma'],
  ['OR', PACIFIC, 'Oregon'],
  ['PA', EASTERN, 'Pennsylvania'],
  ['RI', EASTERN, 'Rhode Island'],
  ['SC', EASTERN, 'South Carolina'],
  ['SD', CENTRAL, 'South Dakota'],
  ['TN', CENTRAL, 'Tennessee'],
  ['TX', CENTRAL, 'Texas'],
  ['UT', MOUNTAIN, 'Utah'],
  ['VT', EASTERN, 'Vermont'],
  ['VA', EASTERN, 'Virginia'],
  ['WA', PACIFIC, 'Washington'],
  ['WV', EASTERN, 'West Virginia'],
  ['WI', CENTRAL, 'Wisconsin'],
  ['WY', MOUNTAIN, 'Wyoming'],
  // Territories: Stripe sends them as US states as often as under their own country codes.
  ['PR', 'America/Puerto_Rico', 'Puerto Rico'],
  ['VI', 'America/St_Thomas', 'U.S. Virgin Islands', 'Virgin Islands, U.S.', 'United States Virgin Islands'],
  ['GU', 'Pacific/Guam', 'Guam'],
  ['AS', 'Pacific/Pago_Pago', 'American Samoa'],
  ['MP', 'Pacific/Saipan', 'Northern Mariana Islands'],
  ['UM', 'Pacific/Wake', 'United States Minor Outlying Islands', 'U.S. Minor Outlying Islands'],
]);

const CA = regions([
  ['AB', 'America/Edmonton', 'Alberta'],
  ['BC', 'America/Vancouver', 'British Columbia', 'Colombie-Britannique'],
  ['MB', 'America/Winnipeg', 'Manitoba'],
  ['NB', 'America/Moncton', 'New Brunswick', 'Nouveau-Brunswick'],
  ['NL NF', 'America/St_Johns', 'Newfoundland and Labrador', 'Terre-Neuve-et-Labrador', 'Newfoundland'],
  ['NS', 'America/Halifax', 'Nova Scotia', 'Nouvelle-Écosse'],
  ['NT', 'America/Edmonton', 'Northwest Territories', 'Territoires du Nord-Ouest'],
  ['NU', 'America/Iqaluit', 'Nunavut'],
  ['ON', 'America/Toronto', 'Ontario'],
  ['PE', 'America/Halifax', 'Prince Edward Island', 'Île-du-Prince-Édouard'],
  ['QC PQ', 'America/Toronto', 'Québec'],
  ['SK', 'America/Regina', 'Saskatchewan'],
  ['YT YK', 'America/Whitehorse', 'Yukon', 'Yukon Territory'],
]);

const AU = regions([
  ['ACT', 'Australia/Sydney', 'Australian Capital Territory'],
  ['NSW', 'Australia/Sydney', 'New South Wales'],
  ['NT', 'Australia/Darwin', 'Northern Territory'],
  ['QLD', 'Australia/Brisbane', 'Queensland'],
  ['SA', 'Australia/Adelaide', 'South Australia'],
  ['TAS', 'Australia/Hobart', 'Tasmania'],
  ['VIC', 'Australia/Melbourne', 'Victoria'],
  ['WA', 'Australia/Perth', 'Western Australia'],
]);

const BR = regions([
  ['AC', 'America/Rio_Branco', 'Acre'],
  ['AL', 'America/Maceio', 'Alagoas'],
  ['AM', 'America/Manaus', 'Amazonas'],
  ['AP', 'America/Belem', 'Amapá'],
  ['BA', 'America/Bahia', 'Bahia'],
  ['CE', FORTALEZA, 'Ceará'],
  ['DF', SAO_PAULO, 'Distrito Federal', 'Federal District'],
  ['ES', SAO_PAULO, 'Espírito Santo'],
  ['GO', SAO_PAULO, 'Goiás'],
  ['MA', FORTALEZA, 'Maranhão'],
  ['MG', SAO_PAULO, 'Minas Gerais'],
  ['MS', 'America/Campo_Grande', 'Mato Grosso do Sul'],
  ['MT', 'America/Cuiaba', 'Mato Grosso'],
  ['PA', 'America/Belem', 'Pará'],
  ['PB', FORTALEZA, 'Paraíba'],
  ['PE', 'America/Recife', 'Pernambuco'],
  ['PI', FORTALEZA, 'Piauí'],
  ['PR', SAO_PAULO, 'Paraná'],
  ['RJ', SAO_PAULO, 'Rio de Janeiro'],
  ['RN', FORTALEZA, 'Rio Grande do Norte'],
  ['RO', 'America/Porto_Velho', 'Rondônia'],
  ['RR', 'America/Boa_Vista', 'Roraima'],
  ['RS', SAO_PAULO, 'Rio Grande do Sul'],
  ['SC', SAO_PAULO, 'Santa Catarina'],
  ['SE', 'America/Maceio', 'Sergipe'],
  ['SP', SAO_PAULO, 'São Paulo'],
  ['TO', 'America/Araguaina', 'Tocantins'],
]);

// Mexico dropped daylight saving in 2022 except along the US border; tzdb's zones follow that split.
const MX = regions([
  ['AGU AGS', MEXICO_CITY, 'Aguascalientes'],
  ['BCN BC', 'America/Tijuana', 'Baja California'],
  ['BCS', 'America/Mazatlan', 'Baja California Sur'],
  ['CAM', 'America/Merida', 'Campeche'],
  ['CHH CHIH', 'America/Chihuahua', 'Chihuahua'],
  ['CHP CHIS', MEXICO_CITY, 'Chiapas'],
  ['CMX DIF CDMX', MEXICO_CITY, 'Ciudad de México', 'Mexico City', 'Distrito Federal'],
  ['COA COAH', 'America/Monterrey', 'Coahuila', 'Coahuila de Zaragoza'],
  ['COL', MEXICO_CITY, 'Colima'],
  ['DUR DGO', 'America/Monterrey', 'Durango'],
  ['GRO', MEXICO_CITY, 'Guerrero'],
  ['GUA GTO', MEXICO_CITY, 'Guanajuato'],
  ['HID', MEXICO_CITY, 'Hidalgo'],
  ['JAL', MEXICO_CITY, 'Jalisco'],
  ['MEX', MEXICO_CITY, 'México', 'Estado de México', 'State of Mexico'],
  ['MIC', MEXICO_CITY, 'Michoacán', 'Michoacán de Ocampo'],
  ['MOR', MEXICO_CITY, 'Morelos'],
  ['NAY', 'America/Mazatlan', 'Nayarit'],
  ['NLE NL', 'America/Monterrey', 'Nuevo León'],
  ['OAX', MEXICO_CITY, 'Oaxaca'],
  ['PUE', MEXICO_CITY, 'Puebla'],
  ['QUE QRO', MEXICO_CITY, 'Querétaro'],
  ['ROO', 'America/Cancun', 'Quintana Roo'],
  ['SIN', 'America/Mazatlan', 'Sinaloa'],
  ['SLP', MEXICO_CITY, 'San Luis Potosí'],
  ['SON', 'America/Hermosillo', 'Sonora'],
  ['TAB', MEXICO_CITY, 'Tabasco'],
  ['TAM', 'America/Monterrey', 'Tamaulipas'],
  ['TLA', MEXICO_CITY, 'Tlaxcala'],
  ['VER', MEXICO_CITY, 'Veracruz', 'Veracruz de Ignacio de la Llave'],
  ['YUC', 'America/Merida', 'Yucatán'],
  ['ZAC', MEXICO_CITY, 'Zacatecas'],
]);

// Regions off Moscow time carry their Russian names too: that is what a Russian billing form holds.
const RU = regions([
  ['KGD', 'Europe/Kaliningrad', 'Kaliningrad Oblast', 'Kaliningrad', 'Калининградская область'],
  ['MOW', MOSCOW, 'Moscow', 'Moskva', 'Москва'],
  ['MOS', MOSCOW, 'Moscow Oblast', 'Moskovskaya oblast', 'Московская область'],
  ['SPE', MOSCOW, 'Saint Petersburg', 'St. Petersburg', 'Sankt-Peterburg', 'Санкт-Петербург'],
  ['LEN', MOSCOW, 'Leningrad Oblast', 'Leningradskaya oblast', 'Ленинградская область'],
  ['AD', MOSCOW, 'Republic of Adygea', 'Adygea'],
  ['ARK', MOSCOW, 'Arkhangelsk Oblast', 'Arkhangelsk'],
  ['BEL', MOSCOW, 'Belgorod Oblast', 'Belgorod'],
  ['BRY', MOSCOW, 'Bryansk Oblast', 'Bryansk'],
  ['CE', MOSCOW, 'Chechen Republic', 'Chechnya'],
  ['CU', MOSCOW, 'Chuvash Republic', 'Chuvashia'],
  ['DA', MOSCOW, 'Republic of Dagestan', 'Dagestan'],
  ['IN', MOSCOW, 'Republic of Ingushetia', 'Ingushetia'],
  ['IVA', MOSCOW, 'Ivanovo Oblast', 'Ivanovo'],
  ['KB', MOSCOW, 'Kabardino-Balkarian Republic', 'Kabardino-Balkaria'],
  ['KC', MOSCOW, 'Karachay-Cherkess Republic', 'Karachay-Cherkessia'],
  ['KDA', MOSCOW, 'Krasnodar Krai', 'Krasnodar'],
  ['KL', MOSCOW, 'Republic of Kalmykia', 'Kalmykia'],
  ['KLU', MOSCOW, 'Kaluga Oblast', 'Kaluga'],
  ['KO', MOSCOW, 'Komi Republic', 'Komi'],
  ['KOS', MOSCOW, 'Kostroma Oblast', 'Kostroma'],
  ['KR', MOSCOW, 'Republic of Karelia', 'Karelia'],
  ['KRS', MOSCOW, 'Kursk Oblast', 'Kursk'],
  ['LIP', MOSCOW, 'Lipetsk Oblast', 'Lipetsk'],
  ['ME', MOSCOW, 'Mari El Republic', 'Mari El'],
  ['MO', MOSCOW, 'Republic of Mordovia', 'Mordovia'],
  ['MUR', MOSCOW, 'Murmansk Oblast', 'Murmansk'],
  ['NEN', MOSCOW, 'Nenets Autonomous Okrug', 'Nenets'],
  ['NGR', MOSCOW, 'Novgorod Oblast', 'Novgorod'],
  ['NIZ', MOSCOW, 'Nizhny Novgorod Oblast', 'Nizhny Novgorod'],
  ['ORL', MOSCOW, 'Oryol Oblast', 'Oryol', 'Orel'],
  ['PNZ', MOSCOW, 'Penza Oblast', 'Penza'],
  ['PSK', MOSCOW, 'Pskov Oblast', 'Pskov'],
  ['ROS', MOSCOW, 'Rostov Oblast', 'Rostov'],
  ['RYA', MOSCOW, 'Ryazan Oblast', 'Ryazan'],
  ['SE', MOSCOW, 'Republic of North Ossetia–Alania', 'North Ossetia–Alania', 'North Ossetia'],
  ['SMO', MOSCOW, 'Smolensk Oblast', 'Smolensk'],
  ['STA', MOSCOW, 'Stavropol Krai', 'Stavropol'],
  ['TA', MOSCOW, 'Republic of Tatarstan', 'Tatarstan', 'Республика Татарстан', 'Татарстан'],
  ['TAM', MOSCOW, 'Tambov Oblast', 'Tambov'],
  ['TUL', MOSCOW, 'Tula Oblast', 'Tula'],
  ['TVE', MOSCOW, 'Tver Oblast', 'Tver'],
  ['VLA', MOSCOW, 'Vladimir Oblast', 'Vladimir'],
  ['VLG', MOSCOW, 'Vologda Oblast', 'Vologda'],
  ['VOR', MOSCOW, 'Voronezh Oblast', 'Voronezh'],
  ['YAR', MOSCOW, 'Yaroslavl Oblast', 'Yaroslavl'],
  // Moscow time, but tzdb keeps their own zones for their different histories.
  ['KIR', 'Europe/Kirov', 'Kirov Oblast', 'Kirov', 'Kirovskaya oblast', 'Кировская область'],
  [
    'VGG',
    'Europe/Volgograd',
    'Volgograd Oblast',
    'Volgograd',
    'Volgogradskaya oblast',
    'Волгоградская область',
  ],
  // MSK+1
  ['SAM', 'Europe/Samara', 'Samara Oblast', 'Samara', 'Samarskaya oblast', 'Самарская область'],
  ['UD', 'Europe/Samara', 'Udmurt Republic', 'Udmurtia', 'Удмуртская Республика', 'Удмуртия'],
  [
    'AST',
    'Europe/Astrakhan',
    'Astrakhan Oblast',
    'Astrakhan',
    'Astrakhanskaya oblast',
    'Астраханская область',
  ],
  ['SAR', 'Europe/Saratov', 'Saratov Oblast', 'Saratov', 'Saratovskaya oblast', 'Саратовская область'],
  ['ULY', 'Europe/Ulyanovsk', 'Ulyanovsk Oblast', 'Ulyanovsk', 'Ulyanovskaya oblast', 'Ульяновская область'],
  // MSK+2: the Urals
  ['SVE', YEKATERINBURG, 'Sverdlovsk Oblast', 'Sverdlovsk', 'Sverdlovskaya oblast', 'Свердловская область'],
  ['CHE', YEKATERINBURG, 'Chelyabinsk Oblast', 'Chelyabinsk', 'Chelyabinskaya oblast', 'Челябинская область'],
  ['KGN', YEKATERINBURG, 'Kurgan Oblast', 'Kurgan', 'Kurganskaya oblast', 'Курганская область'],
  ['TYU', YEKATERINBURG, 'Tyumen Oblast', 'Tyumen', 'Tyumenskaya oblast', 'Тюменская область'],
  [
    'KHM',
    YEKATERINBURG,
    'Khanty-Mansi Autonomous Okrug',
    'Khanty-Mansi',
    'Yugra',
    'Ханты-Мансийский автономный округ',
  ],
  [
    'YAN',
    YEKATERINBURG,
    'Yamalo-Nenets Autonomous Okrug',
    'Yamalo-Nenets',
    'Ямало-Ненецкий автономный округ',
  ],
  [
    'BA',
    YEKATERINBURG,
    'Republic of Bashkortostan',
    'Bashkortostan',
    'Республика Башкортостан',
    'Башкортостан',
  ],
  ['PER', YEKATERINBURG, 'Perm Krai', 'Perm', 'Permskiy kray', 'Пермский край'],
  ['ORE', YEKATERINBURG, 'Orenburg Oblast', 'Orenburg', 'Orenburgskaya oblast', 'Оренбургская область'],
  // MSK+3 and MSK+4: western and central Siberia
  ['OMS', 'Asia/Omsk', 'Omsk Oblast', 'Omsk', 'Omskaya oblast', 'Омская область'],
  [
    'NVS',
    'Asia/Novosibirsk',
    'Novosibirsk Oblast',
    'Novosibirsk',
    'Novosibirskaya oblast',
    'Новосибирская область',
  ],
  ['ALT', 'Asia/Barnaul', 'Altai Krai', 'Altayskiy kray', 'Алтайский край'],
  ['AL', 'Asia/Barnaul', 'Altai Republic', 'Republic of Altai', 'Республика Алтай'],
  ['TOM', 'Asia/Tomsk', 'Tomsk Oblast', 'Tomsk', 'Tomskaya oblast', 'Томская область'],
  ['KEM', 'Asia/Novokuznetsk', 'Kemerovo Oblast', 'Kemerovo', 'Kuzbass', 'Кемеровская область', 'Кузбасс'],
  ['KYA', KRASNOYARSK, 'Krasnoyarsk Krai', 'Krasnoyarsk', 'Krasnoyarskiy kray', 'Красноярский край'],
  ['KK', KRASNOYARSK, 'Republic of Khakassia', 'Khakassia', 'Республика Хакасия', 'Хакасия'],
  ['TY', KRASNOYARSK, 'Tuva Republic', 'Tuva', 'Tyva', 'Республика Тыва', 'Тыва'],
  // MSK+5 to MSK+9: eastern Siberia and the Far East
  ['IRK', 'Asia/Irkutsk', 'Irkutsk Oblast', 'Irkutsk', 'Irkutskaya oblast', 'Иркутская область'],
  ['BU', 'Asia/Irkutsk', 'Republic of Buryatia', 'Buryatia', 'Республика Бурятия', 'Бурятия'],
  ['ZAB', 'Asia/Chita', 'Zabaykalsky Krai', 'Zabaykalsky', 'Zabaykalskiy kray', 'Забайкальский край'],
  [
    'SA',
    'Asia/Yakutsk',
    'Sakha Republic',
    'Republic of Sakha',
    'Yakutia',
    'Республика Саха (Якутия)',
    'Якутия',
  ],
  ['AMU', 'Asia/Yakutsk', 'Amur Oblast', 'Amur', 'Amurskaya oblast', 'Амурская область'],
  [
    'PRI',
    'Asia/Vladivostok',
    'Primorsky Krai',
    'Primorsky',
    'Primorye',
    'Primorskiy kray',
    'Приморский край',
  ],
  ['KHA', 'Asia/Vladivostok', 'Khabarovsk Krai', 'Khabarovsk', 'Khabarovskiy kray', 'Хабаровский край'],
  ['YEV', 'Asia/Vladivostok', 'Jewish Autonomous Oblast', 'Еврейская автономная область'],
  ['MAG', 'Asia/Magadan', 'Magadan Oblast', 'Magadan', 'Magadanskaya oblast', 'Магаданская область'],
  ['SAK', 'Asia/Sakhalin', 'Sakhalin Oblast', 'Sakhalin', 'Sakhalinskaya oblast', 'Сахалинская область'],
  ['KAM', 'Asia/Kamchatka', 'Kamchatka Krai', 'Kamchatka', 'Kamchatskiy kray', 'Камчатский край'],
  ['CHU', 'Asia/Anadyr', 'Chukotka Autonomous Okrug', 'Chukotka', 'Чукотский автономный округ'],
]);

// WIB (UTC+7), WITA (UTC+8), WIT (UTC+9); Asia/Pontianak is WIB on Borneo. JW, SM, SL, NU, ML and PP are
// ISO's island groups, which some forms offer in place of a province.
const ID = regions([
  ['AC', JAKARTA, 'Aceh'],
  ['SU', JAKARTA, 'North Sumatra', 'Sumatera Utara'],
  ['SB', JAKARTA, 'West Sumatra', 'Sumatera Barat'],
  ['RI', JAKARTA, 'Riau'],
  ['KR', JAKARTA, 'Riau Islands', 'Kepulauan Riau'],
  ['JA', JAKARTA, 'Jambi'],
  ['BE', JAKARTA, 'Bengkulu'],
  ['SS', JAKARTA, 'South Sumatra', 'Sumatera Selatan'],
  ['BB', JAKARTA, 'Bangka Belitung Islands', 'Kepulauan Bangka Belitung', 'Bangka Belitung'],
  ['LA', JAKARTA, 'Lampung'],
  ['BT', JAKARTA, 'Banten'],
  ['JK', JAKARTA, 'Jakarta', 'DKI Jakarta', 'Jakarta Raya', 'Special Capital Region of Jakarta'],
  ['JB', JAKARTA, 'West Java', 'Jawa Barat'],
  ['JT', JAKARTA, 'Central Java', 'Jawa Tengah'],
  [
    'YO',
    JAKARTA,
    'Yogyakarta',
    'DI Yogyakarta',
    'Daerah Istimewa Yogyakarta',
    'Special Region of Yogyakarta',
  ],
  ['JI', JAKARTA, 'East Java', 'Jawa Timur'],
  ['JW', JAKARTA, 'Java', 'Jawa'],
  ['SM', JAKARTA, 'Sumatra', 'Sumatera'],
  ['KB', 'Asia/Pontianak', 'West Kalimantan', 'Kalimantan Barat'],
  ['KT', 'Asia/Pontianak', 'Central Kalimantan', 'Kalimantan Tengah'],
  ['KS', MAKASSAR, 'South Kalimantan', 'Kalimantan Selatan'],
  ['KI', MAKASSAR, 'East Kalimantan', 'Kalimantan Timur'],
  ['KU', MAKASSAR, 'North Kalimantan', 'Kalimantan Utara'],
  ['BA', MAKASSAR, 'Bali'],
  ['NB', MAKASSAR, 'West Nusa Tenggara', 'Nusa Tenggara Barat'],
  ['NT', MAKASSAR, 'East Nusa Tenggara', 'Nusa Tenggara Timur'],
  ['NU', MAKASSAR, 'Nusa Tenggara', 'Lesser Sunda Islands'],
  ['SA', MAKASSAR, 'North Sulawesi', 'Sulawesi Utara'],
  ['ST', MAKASSAR, 'Central Sulawesi', 'Sulawesi Tengah'],
  ['SN', MAKASSAR, 'South Sulawesi', 'Sulawesi Selatan'],
  ['SG', MAKASSAR, 'Southeast Sulawesi', 'Sulawesi Tenggara'],
  ['SR', MAKASSAR, 'West Sulawesi', 'Sulawesi Barat'],
  ['GO', MAKASSAR, 'Gorontalo'],
  ['SL', MAKASSAR, 'Sulawesi'],
  ['MA ML', JAYAPURA, 'Maluku'],
  ['MU', JAYAPURA, 'North Maluku', 'Maluku Utara'],
  ['PA PP', JAYAPURA, 'Papua'],
  ['PB', JAYAPURA, 'West Papua', 'Papua Barat'],
  // The provinces split from Papua in 2022.
  ['PS', JAYAPURA, 'South Papua', 'Papua Selatan'],
  ['PT', JAYAPURA, 'Central Papua', 'Papua Tengah'],
  ['PE', JAYAPURA, 'Highland Papua', 'Papua Pegunungan'],
  ['PD', JAYAPURA, 'Southwest Papua', 'Papua Barat Daya'],
]);

// One offset (UTC+5) nationwide since March 2024; tzdb keeps the western zones for their history. Both the
// older letter codes and the numeric codes ISO adopted in 2022 are keys.
const KZ = regions([
  ['ALA 75', ALMATY, 'Almaty'],
  ['ALM 19', ALMATY, 'Almaty Region', 'Almaty Oblast'],
  ['AST 71', ALMATY, 'Astana', 'Nur-Sultan'],
  ['SHY 79', ALMATY, 'Shymkent'],
  ['AKM 11', ALMATY, 'Akmola Region', 'Akmola'],
  ['KAR 35', ALMATY, 'Karaganda Region', 'Karaganda', 'Qaraghandy'],
  ['PAV 55', ALMATY, 'Pavlodar Region', 'Pavlodar'],
  ['SEV 59', ALMATY, 'North Kazakhstan Region', 'North Kazakhstan'],
  ['VOS 63', ALMATY, 'East Kazakhstan Region', 'East Kazakhstan'],
  ['YUZ 61', ALMATY, 'Turkistan Region', 'Turkistan', 'South Kazakhstan'],
  ['ZHA 31', ALMATY, 'Jambyl Region', 'Jambyl', 'Zhambyl'],
  ['10', ALMATY, 'Abai Region', 'Abai', 'Abay'],
  ['33', ALMATY, 'Jetisu Region', 'Jetisu', 'Zhetisu'],
  ['62', ALMATY, 'Ulytau Region', 'Ulytau'],
  ['KZY 43', 'Asia/Qyzylorda', 'Kyzylorda Region', 'Kyzylorda', 'Qyzylorda'],
  ['KUS 39', 'Asia/Qostanay', 'Kostanay Region', 'Kostanay', 'Qostanay'],
  ['AKT 15', 'Asia/Aqtobe', 'Aktobe Region', 'Aktobe', 'Aqtobe'],
  ['MAN 47', 'Asia/Aqtau', 'Mangystau Region', 'Mangystau', 'Mangghystau'],
  ['ATY 23', 'Asia/Atyrau', 'Atyrau Region', 'Atyrau'],
  ['ZAP 27', 'Asia/Oral', 'West Kazakhstan Region', 'West Kazakhstan'],
]);

// The three westernmost aimags keep UTC+7; the rest of the country UTC+8.
const MN = regions([
  ['1', ULAANBAATAR, 'Ulaanbaatar', 'Ulan Bator'],
  ['035', ULAANBAATAR, 'Orkhon', 'Orhon'],
  ['037', ULAANBAATAR, 'Darkhan-Uul', 'Darhan uul'],
  ['039', ULAANBAATAR, 'Khentii', 'Hentiy'],
  ['041', ULAANBAATAR, 'Khövsgöl', 'Khuvsgul'],
  ['047', ULAANBAATAR, 'Töv'],
  ['049', ULAANBAATAR, 'Selenge'],
  ['051', ULAANBAATAR, 'Sükhbaatar'],
  ['053', ULAANBAATAR, 'Ömnögovi'],
  ['055', ULAANBAATAR, 'Övörkhangai', 'Uvurkhangai'],
  ['057', ULAANBAATAR, 'Zavkhan', 'Dzavhan'],
  ['059', ULAANBAATAR, 'Dundgovi'],
  ['061', ULAANBAATAR, 'Dornod'],
  ['063', ULAANBAATAR, 'Dornogovi'],
  ['064', ULAANBAATAR, 'Govisümber', 'Govi-Sümber'],
  ['065', ULAANBAATAR, 'Govi-Altai', 'Govi-Altay'],
  ['067', ULAANBAATAR, 'Bulgan'],
  ['069', ULAANBAATAR, 'Bayankhongor', 'Bayanhongor'],
  ['073', ULAANBAATAR, 'Arkhangai', 'Arhangay'],
  ['043', 'Asia/Hovd', 'Khovd', 'Hovd'],
  ['046', 'Asia/Hovd', 'Uvs'],
  ['071', 'Asia/Hovd', 'Bayan-Ölgii', 'Bayan-Ölgiy'],
]);

// West Africa Time (UTC+1) in the provinces that were Kinshasa, Bas-Congo, Bandundu and Équateur; Central
// Africa Time (UTC+2) east of them. The pre-2015 provinces (BN, KA, KW, OR) are still on old forms.
const CD = regions([
  ['KN', KINSHASA, 'Kinshasa'],
  ['BC', KINSHASA, 'Kongo Central', 'Bas-Congo'],
  ['BN', KINSHASA, 'Bandundu'],
  ['KG', KINSHASA, 'Kwango'],
  ['KL', KINSHASA, 'Kwilu'],
  ['MN', KINSHASA, 'Mai-Ndombe'],
  ['EQ', KINSHASA, 'Équateur'],
  ['MO', KINSHASA, 'Mongala'],
  ['NU', KINSHASA, 'Nord-Ubangi'],
  ['SU', KINSHASA, 'Sud-Ubangi'],
  ['TU', KINSHASA, 'Tshuapa'],
  ['BU', LUBUMBASHI, 'Bas-Uélé'],
  ['HU', LUBUMBASHI, 'Haut-Uélé'],
  ['IT', LUBUMBASHI, 'Ituri'],
  ['TO', LUBUMBASHI, 'Tshopo'],
  ['OR', LUBUMBASHI, 'Orientale'],
  ['NK', LUBUMBASHI, 'Nord-Kivu', 'North Kivu'],
  ['SK', LUBUMBASHI, 'Sud-Kivu', 'South Kivu'],
  ['MA', LUBUMBASHI, 'Maniema'],
  ['KS', LUBUMBASHI, 'Kasaï'],
  ['KC', LUBUMBASHI, 'Kasaï-Central'],
  ['KE', LUBUMBASHI, 'Kasaï-Oriental'],
  ['KW', LUBUMBASHI, 'Kasaï-Occidental'],
  ['LO', LUBUMBASHI, 'Lomami'],
  ['SA', LUBUMBASHI, 'Sankuru'],
  ['HK', LUBUMBASHI, 'Haut-Katanga'],
  ['HL', LUBUMBASHI, 'Haut-Lomami'],
  ['LU', LUBUMBASHI, 'Lualaba'],
  ['TA', LUBUMBASHI, 'Tanganyika'],
  ['KA', LUBUMBASHI, 'Katanga'],
]);

/** ISO 3166-1 alpha-2 code → region key (ISO 3166-2 code without prefix, or regionKey of a name) → zone. */
export const REGION_ZONES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  US,
  CA,
  AU,
  BR,
  MX,
  RU,
  ID,
  KZ,
  MN,
  CD,
  ES: regions([
    ['CN', 'Atlantic/Canary', 'Canarias', 'Canary Islands', 'Islas Canarias'],
    ['GC', 'Atlantic/Canary', 'Las Palmas'],
    ['TF', 'Atlantic/Canary', 'Santa Cruz de Tenerife'],
  ]),
  PT: regions([
    ['20', 'Atlantic/Azores', 'Azores', 'Açores', 'Região Autónoma dos Açores'],
    ['30', 'Atlantic/Madeira', 'Madeira', 'Região Autónoma da Madeira'],
  ]),
  // Easter Island (Pacific/Easter) is part of Valparaíso, whose people are nearly all on the mainland.
  // Aysén has kept UTC−3 all year since 2025 (tzdb's America/Coyhaique); Punta Arenas keeps the same clock
  // and, unlike Coyhaique, is known to every Node 20 ICU.
  CL: regions([
    ['MA', 'America/Punta_Arenas', 'Magallanes', 'Magallanes y de la Antártica Chilena'],
    ['AI', 'America/Punta_Arenas', 'Aysén', 'Aisén', 'Aysén del General Carlos Ibáñez del Campo'],
  ]),
  EC: regions([['W', 'Pacific/Galapagos', 'Galápagos', 'Galapagos Islands', 'Islas Galápagos']]),
  NZ: regions([['CIT', 'Pacific/Chatham', 'Chatham Islands', 'Chatham Islands Territory', 'Chatham']]),
  // Not subdivisions: the only settlements off Nuuk's clock, in municipalities that otherwise keep it.
  GL: regions([
    ['', 'America/Scoresbysund', 'Ittoqqortoormiit', 'Scoresbysund'],
    ['', 'America/Thule', 'Pituffik', 'Thule', 'Pituffik Space Base', 'Thule Air Base'],
  ]),
  KI: regions([
    ['G', 'Pacific/Tarawa', 'Gilbert Islands'],
    ['P', 'Pacific/Kanton', 'Phoenix Islands'],
    ['L', 'Pacific/Kiritimati', 'Line Islands'],
  ]),
  FM: regions([
    ['TRK', 'Pacific/Chuuk', 'Chuuk', 'Truk'],
    ['YAP', 'Pacific/Chuuk', 'Yap'],
    ['PNI', 'Pacific/Pohnpei', 'Pohnpei', 'Ponape'],
    ['KSA', 'Pacific/Kosrae', 'Kosrae'],
  ]),
  // French Polynesia has no ISO subdivisions; its archipelagos are what addresses name.
  PF: regions([
    ['', 'Pacific/Marquesas', 'Marquesas Islands', 'Marquesas', 'Îles Marquises', 'Marquises'],
    ['', 'Pacific/Gambier', 'Gambier Islands', 'Gambier', 'Îles Gambier'],
    ['', 'Pacific/Tahiti', 'Tahiti', 'Society Islands', 'Îles de la Société'],
    ['', 'Pacific/Tahiti', 'Windward Islands', 'Îles du Vent', 'Leeward Islands', 'Îles Sous-le-Vent'],
    ['', 'Pacific/Tahiti', 'Tuamotu', 'Tuamotus', 'Austral Islands', 'Îles Australes'],
  ]),
  PG: regions([['NSB', 'Pacific/Bougainville', 'Bougainville', 'Autonomous Region of Bougainville']]),
  // Clocks in Crimea have followed Moscow since 2014; tzdb's Europe/Simferopol records them, as clocks only.
  UA: regions([
    ['43', 'Europe/Simferopol', 'Crimea', 'Autonomous Republic of Crimea', 'Avtonomna Respublika Krym'],
    ['40', 'Europe/Simferopol', 'Sevastopol'],
  ]),
};
